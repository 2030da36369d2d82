/**
 * The run that made a secret, for the `CreatedBy` tag: the link GitHub shows for this run's
 * attempt. Read from the runner's variables, the same ones @actions/github's context reads;
 * that package is not a dependency, and its context is nothing more than these reads.
 */
import { untrusted } from '../runner/untrusted.ts'

const REPOSITORY_PATTERN = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/
const NUMBER_PATTERN = /^[1-9]\d{0,19}$/
const TAG_VALUE_MAX = 256

export interface Provenance {
  /** `<server-url>/<owner>/<repo>/actions/runs/<run-id>/attempts/<attempt>`. */
  readonly createdBy?: string
  /** Why there is none: a variable missing or malformed (outside a runner, or a runner too old). Escaped. */
  readonly warning?: string
}

/** The CreatedBy value, or the warning to give instead; the caller prints it with its other warnings. */
export function runProvenance(env: NodeJS.ProcessEnv = process.env): Provenance {
  const server = env['GITHUB_SERVER_URL'] ?? ''
  const repository = env['GITHUB_REPOSITORY'] ?? ''
  const runId = env['GITHUB_RUN_ID'] ?? ''
  const attempt = env['GITHUB_RUN_ATTEMPT'] ?? ''
  const problem =
    serverProblem(server) ??
    (REPOSITORY_PATTERN.test(repository) ? undefined : `GITHUB_REPOSITORY '${repository}' is not <owner>/<repo>`) ??
    (NUMBER_PATTERN.test(runId) ? undefined : `GITHUB_RUN_ID '${runId}' is not a run number`) ??
    (NUMBER_PATTERN.test(attempt) ? undefined : `GITHUB_RUN_ATTEMPT '${attempt}' is not an attempt number`)
  const value = problem ? undefined : `${serverBase(server)}/${repository}/actions/runs/${runId}/attempts/${attempt}`
  if (value && value.length > TAG_VALUE_MAX) {
    return { warning: `No CreatedBy tag: the run URL has ${value.length} characters, more than a tag value may (${TAG_VALUE_MAX}).` }
  }
  if (problem) {
    return {
      warning: `No CreatedBy tag: ${untrusted(problem)}. The GitHub runner sets these variables; set provenance: false to leave the tag out knowingly.`
    }
  }
  return { createdBy: value }
}

function serverProblem(server: string): string | undefined {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    return `GITHUB_SERVER_URL '${server}' is not a URL`
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `GITHUB_SERVER_URL '${server}' is not an http(s) URL`
  if (url.username || url.password || url.search || url.hash) return `GITHUB_SERVER_URL '${server}' is not a plain server URL`
  return undefined
}

/** The server URL as the URL parser reads it (no stray whitespace), without a trailing slash. */
function serverBase(server: string): string {
  const url = new URL(server)
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}
