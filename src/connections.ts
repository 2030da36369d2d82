/**
 * The HTTPS connections of a run: one keep-alive agent per host, tunnelling through the proxy
 * when one applies, and connections opened ahead of need. The TCP, proxy and TLS handshakes to
 * Entra ID and Key Vault then happen while the GitHub OIDC token is being fetched, instead of
 * one after another on the critical path.
 *
 * The Azure SDK's own proxy agent opens a new tunnel and TLS session for every request; these
 * agents pool tunnelled connections as a direct https.Agent does. Proxy choice follows the
 * SDK: HTTPS_PROXY, ALL_PROXY or HTTP_PROXY, and NO_PROXY entries naming the host or, with a
 * leading dot, its domain.
 */
import type { Agent, ClientRequest } from 'node:http'
import { request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls'

type Callback = (error: Error | null, socket?: Duplex) => void

/**
 * How long one attempt may go without a byte moving: connecting, the proxy's CONNECT, the TLS
 * handshake, or waiting for the answer. It then fails as ETIMEDOUT, which every retry policy
 * on the way (Key Vault's, Entra ID's) treats as a network error worth another attempt.
 */
export const ATTEMPT_TIMEOUT_MS = 30_000

/** A request that has been sent and not yet answered in full. */
export interface PendingRequest {
  readonly host: string
  readonly method: string
  /** Without the query, which may carry more than an operation's name. */
  readonly path: string
  readonly since: number
}
type Dial = (host: string, port: number, done: (error: Error | null, socket?: TLSSocket) => void) => void

/** A keep-alive agent that can open connections before a request asks for one. */
class ConnectionAgent extends HttpsAgent {
  readonly #dial: Dial
  readonly #warm = new Map<string, Array<Promise<TLSSocket>>>()
  readonly #pending: Set<PendingRequest>
  #closed = false

  constructor(host: string, dial: Dial, pending: Set<PendingRequest>) {
    // With the agent's own timeout equal to ours, it keeps that timeout on pooled sockets too.
    // The servername is the agent's one host (dial sends it); given, Node does not work it out
    // per request with net.isIP, whose IPv6 pattern costs ~5 ms to compile on the first request.
    super({ keepAlive: true, timeout: ATTEMPT_TIMEOUT_MS, servername: host })
    this.#dial = (host, port, done) => {
      if (this.#closed) return done(Object.assign(new Error(`The step is ending: no new connection to ${host}`), { code: 'ECONNABORTED' }))
      dial(host, port, done)
    }
    this.#pending = pending
  }

  // Node's hook for every request given to the agent: the step deadline names what is still unanswered.
  addRequest(request: ClientRequest, options: object): void {
    const entry: PendingRequest = { host: request.host, method: request.method, path: request.path.replace(/\?.*$/, ''), since: Date.now() }
    this.#pending.add(entry)
    request.once('close', () => this.#pending.delete(entry))
    ;(HttpsAgent.prototype as unknown as { addRequest(r: ClientRequest, o: object): void }).addRequest.call(this, request, options)
  }

  /** Ends every connection, pooled or in use, and refuses new ones. */
  close(): void {
    this.#closed = true
    for (const sockets of [...Object.values(this.sockets), ...Object.values(this.freeSockets)]) {
      for (const socket of sockets ?? []) socket.destroy()
    }
    for (const warm of this.#warm.values())
      for (const socket of warm)
        socket.then(
          (tls) => tls.destroy(),
          () => undefined
        )
    this.#warm.clear()
    this.destroy()
  }

  preconnect(host: string, port = 443): void {
    const socket = new Promise<TLSSocket>((resolve, reject) =>
      this.#dial(host, port, (error, tls) => {
        if (error || !tls) return reject(error ?? new Error('no socket'))
        // Until a request takes it, an error only means it will not be used, and it must not
        // keep the process alive if none ever does (a failed sign-in, say).
        tls.on('error', () => tls.destroy())
        tls.unref()
        resolve(tls)
      })
    )
    socket.catch(() => undefined)
    const key = `${host}:${port}`
    this.#warm.set(key, [...(this.#warm.get(key) ?? []), socket])
  }

  // The extension point https.Agent offers for making connections; it may answer through the callback.
  override createConnection(options: ConnectionOptions & { hostname?: string }, callback: Callback): undefined {
    const host = options.hostname ?? options.host ?? ''
    const port = Number(options.port || 443)
    const dial = (): void => this.#dial(host, port, callback)
    const warm = this.#warm.get(`${host}:${port}`)?.shift()
    if (!warm) dial()
    else warm.then((socket) => (socket.destroyed ? dial() : callback(null, socket.ref())), dial)
    return undefined
  }
}

export class Connections {
  readonly #agents = new Map<string, ConnectionAgent>()
  readonly #pending = new Set<PendingRequest>()

  /** Requests sent and not yet answered, oldest first. */
  pending(): PendingRequest[] {
    return [...this.#pending]
  }

  /** Ends every connection and refuses new ones, so nothing in flight keeps the process alive. */
  close(): void {
    for (const agent of this.#agents.values()) agent.close()
  }

  /** The keep-alive agent for `host`. */
  agentFor(host: string): Agent {
    return this.#agent(host)
  }

  /**
   * Opens `count` connections to `host` now; the next requests to it use them. A failure is
   * left to the request that would have used the connection to meet and report.
   */
  preconnect(host: string, count = 1): void {
    const agent = this.#agent(host)
    for (let i = 0; i < count; i++) agent.preconnect(host)
  }

  #agent(host: string): ConnectionAgent {
    let agent = this.#agents.get(host)
    if (!agent) {
      const proxy = proxyFor(host)
      agent = new ConnectionAgent(host, proxy ? tunnelThrough(proxy) : direct, this.#pending)
      this.#agents.set(host, agent)
    }
    return agent
  }
}

/** Fails a connection that moves no byte for ATTEMPT_TIMEOUT_MS, from its first packet on. */
function expireWhenIdle(socket: TLSSocket, host: string): void {
  socket.setTimeout(ATTEMPT_TIMEOUT_MS, () =>
    socket.destroy(
      Object.assign(new Error(`No answer from ${host} in ${ATTEMPT_TIMEOUT_MS / 1000} s`), {
        code: 'ETIMEDOUT'
      })
    )
  )
}

const direct: Dial = (host, port, done) => {
  const socket = tlsConnect({ host, port, servername: host })
  expireWhenIdle(socket, host)
  socket.once('secureConnect', () => done(null, socket))
  socket.once('error', (error) => done(error))
}

function tunnelThrough(proxy: URL): Dial {
  return (host, port, done) => {
    const target = `${host}:${port}`
    const headers: Record<string, string> = { host: target }
    if (proxy.username) {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
      headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`
    }
    const secure = proxy.protocol === 'https:'
    const connect = (secure ? httpsRequest : httpRequest)({
      host: proxy.hostname,
      port: proxy.port || (secure ? 443 : 80),
      method: 'CONNECT',
      path: target,
      headers,
      // Node would take it from the Host header, which for a CONNECT names the target, not the proxy.
      servername: secure && !isIP(proxy.hostname) ? proxy.hostname : '',
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
      const tls = tlsConnect({ socket, servername: host })
      expireWhenIdle(tls, host)
      tls.once('secureConnect', () => done(null, tls))
      tls.once('error', (error) => done(error))
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
function proxyFor(host: string): URL | undefined {
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
