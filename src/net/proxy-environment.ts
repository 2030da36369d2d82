/**
 * Checks the proxy variables before any request: the SDK, `@actions/http-client` and the
 * action's own connections all parse them, and a value one of them cannot parse (a bad `%`
 * escape in the password) would otherwise crash a request half-way through the step.
 */
import { ActionableError } from '../runner/actionable-error.ts'

/** The variables any HTTP stack of this action reads, in the order they take effect. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'HTTP_PROXY', 'http_proxy'] as const

/** Fails naming the first proxy variable that is set but unusable; its value is never printed (it may hold a password). */
export function checkProxyEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of PROXY_VARIABLES) {
    const value = env[name]
    if (!value) continue
    const problem = proxyUrlProblem(value)
    if (problem) {
      throw new ActionableError(
        `The proxy setting ${name} is not a usable proxy URL: ${problem}. Set it to http://[user:password@]host:port, ` +
          'with any reserved character of the user or password percent-encoded (encodeURIComponent), or unset it.'
      )
    }
  }
}

function proxyUrlProblem(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'it does not parse as a URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `its scheme is not http or https`
  if (!url.hostname) return 'it names no host'
  for (const [part, text] of [
    ['user name', url.username],
    ['password', url.password]
  ] as const) {
    try {
      decodeURIComponent(text)
    } catch {
      return `its ${part} has a malformed percent escape`
    }
  }
  return undefined
}
