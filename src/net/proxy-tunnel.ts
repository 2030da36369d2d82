/**
 * Connections through the proxy: an HTTP CONNECT tunnel per connection, on which connections.ts
 * then speaks TLS. Proxy choice follows the SDK: HTTPS_PROXY, ALL_PROXY or HTTP_PROXY, and
 * NO_PROXY entries naming the host or, with a leading dot, its domain.
 *
 * Why not https-proxy-agent (already in the bundle, the SDK's): its CONNECT has no time limit (a
 * proxy that accepts and never answers holds the run until the step deadline), a refusal reaches
 * the caller only as a replayed HTTP answer, so a proxy's "cannot resolve" could not be told from
 * a vault's own error (refusal() below), and importing it loads node:crypto, node:tls and
 * node:https before the first CONNECT: 15-23 ms on Node 24 here, against +28 ms for the whole
 * start-up today.
 */
import { request as httpRequest } from 'node:http'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import { ATTEMPT_TIMEOUT_MS, type Dial, secure } from './dial.ts'

export function tunnelThrough(proxy: URL): Dial {
  return (host, port, done) => {
    const target = `${host}:${port}`
    const headers: Record<string, string> = { host: target }
    if (proxy.username) {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
      headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`
    }
    const secureProxy = proxy.protocol === 'https:'
    const connect = (secureProxy ? process.getBuiltinModule('node:https').request : httpRequest)({
      host: proxy.hostname,
      port: proxy.port || (secureProxy ? 443 : 80),
      method: 'CONNECT',
      path: target,
      headers,
      // Node would take it from the Host header, which for a CONNECT names the target, not the proxy.
      servername: secureProxy && !isIP(proxy.hostname) ? proxy.hostname : '',
      timeout: ATTEMPT_TIMEOUT_MS
    })
    connect.once('timeout', () =>
      connect.destroy(
        Object.assign(new Error(`The proxy did not connect to ${target} in ${ATTEMPT_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })
      )
    )
    connect.once('connect', (response, socket, head) => {
      if (response.statusCode !== 200) {
        refusal(target, response.statusCode, socket, head, done)
        return
      }
      secure(socket, host, done)
    })
    connect.once('error', (error) => done(error))
    connect.end()
  }
}

/**
 * Why the proxy would not open a tunnel, labelled as a direct connection would have failed: a
 * proxy that cannot resolve the host says so in its answer (`cannot resolve`, Squid's
 * ERR_DNS_FAIL, …), which is ENOTFOUND, a name that does not exist; anything else is
 * ECONNREFUSED. The answer is read for at most 250 ms and 1 KiB.
 */
function refusal(target: string, status: number | undefined, socket: Duplex, head: Buffer, done: (error: Error) => void): void {
  let answer = head.toString('latin1')
  let finished = false
  const finish = (): void => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    socket.destroy()
    const unresolved = /resolve|\bDNS\b|DNS_FAIL|unknown host|no such host|IP address from host name/i.test(answer)
    const error = new Error(`The proxy refused to connect to ${target}: HTTP ${status}`)
    done(Object.assign(error, { code: unresolved ? 'ENOTFOUND' : 'ECONNREFUSED' }))
  }
  const timer = setTimeout(finish, 250)
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1')
    if (answer.length >= 1024) finish()
  })
  socket.once('end', finish)
  socket.once('close', finish)
  socket.once('error', finish)
  if (answer.length >= 1024) finish()
}

/**
 * The proxy for `host`, or undefined to connect directly. The variables and their order are the
 * SDK's (getDefaultProxySettings in @azure/core-rest-pipeline), as is port 80 when the URL gives
 * none; read here so that opening the first connections does not load the SDK's pipeline.
 */
export function proxyFor(host: string): URL | undefined {
  const variable = (name: string): string | undefined => process.env[name] || process.env[name.toLowerCase()] || undefined
  const value = variable('HTTPS_PROXY') || variable('ALL_PROXY') || variable('HTTP_PROXY')
  if (!value || bypassesProxy(host, process.env.NO_PROXY ?? process.env.no_proxy ?? '')) return undefined
  const url = new URL(value)
  url.port ||= '80'
  return url
}

/**
 * Whether NO_PROXY sends a connection to `host`:`port` directly, with the rule
 * `@actions/http-client` applies to the OIDC request, so one run has one proxy rule:
 * entries are comma-separated and case-insensitive; `*` matches every host; `name` or
 * `.name` matches the host and every subdomain; `name:port` only on that port.
 */
export function bypassesProxy(host: string, noProxy: string, port = 443): boolean {
  const hostName = host.toLowerCase().replace(/\.$/, '')
  const candidates = [hostName, `${hostName}:${port}`]
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true
      const suffix = entry.replace(/^\*?\./, '')
      return candidates.some((candidate) => candidate === suffix || candidate.endsWith(`.${suffix}`))
    })
}
