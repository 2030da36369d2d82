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
import type { Agent as HttpsAgent } from 'node:https'
import { connect as netConnect, isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ConnectionOptions, TLSSocket } from 'node:tls'

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

/** Where an agent gets its connections: dialled now, or one opened ahead of need. */
interface ConnectionSource {
  dial: Dial
  /** A connection opened ahead of need to `host`:`port`, if one is left. */
  takeWarm(host: string, port: number): Promise<TLSSocket> | undefined
  readonly pending: Set<PendingRequest>
}

/**
 * A keep-alive agent whose connections come from the run's source. Defined on first use: it
 * extends https.Agent, and node:https (with node:tls and node:crypto) is loaded only once the
 * first connections are already opening.
 */
function defineConnectionAgent(Base: typeof HttpsAgent) {
  return class ConnectionAgent extends Base {
    readonly #source: ConnectionSource

    constructor(host: string, source: ConnectionSource) {
      // With the agent's own timeout equal to ours, it keeps that timeout on pooled sockets too.
      // The servername is the agent's one host (dial sends it); given, Node does not work it out
      // per request with net.isIP, whose IPv6 pattern costs ~5 ms to compile on the first request.
      super({ keepAlive: true, timeout: ATTEMPT_TIMEOUT_MS, servername: host })
      this.#source = source
    }

    // Node's hook for every request given to the agent: the step deadline names what is still unanswered.
    addRequest(request: ClientRequest, options: object): void {
      const entry: PendingRequest = {
        host: request.host,
        method: request.method,
        path: request.path.replace(/\?.*$/, ''),
        since: Date.now()
      }
      this.#source.pending.add(entry)
      request.once('close', () => this.#source.pending.delete(entry))
      ;(Base.prototype as unknown as { addRequest(r: ClientRequest, o: object): void }).addRequest.call(this, request, options)
    }

    /** Ends every connection, pooled or in use. */
    close(): void {
      for (const sockets of [...Object.values(this.sockets), ...Object.values(this.freeSockets)]) {
        for (const socket of sockets ?? []) socket.destroy()
      }
      this.destroy()
    }

    // The extension point https.Agent offers for making connections; it may answer through the callback.
    override createConnection(options: ConnectionOptions & { hostname?: string }, callback: Callback): undefined {
      const host = options.hostname ?? options.host ?? ''
      const port = Number(options.port || 443)
      const dial = (): void => this.#source.dial(host, port, callback)
      const warm = this.#source.takeWarm(host, port)
      if (!warm) dial()
      else warm.then((socket) => (socket.destroyed ? dial() : callback(null, socket.ref())), dial)
      return undefined
    }
  }
}

type ConnectionAgent = InstanceType<ReturnType<typeof defineConnectionAgent>>
let ConnectionAgentClass: ReturnType<typeof defineConnectionAgent> | undefined

export class Connections {
  readonly #agents = new Map<string, ConnectionAgent>()
  readonly #warm = new Map<string, Array<Promise<TLSSocket>>>()
  readonly #dials = new Map<string, Dial>()
  readonly #pending = new Set<PendingRequest>()
  #closed = false
  readonly #source: ConnectionSource = {
    dial: (host, port, done) => {
      if (this.#closed) return done(Object.assign(new Error(`The step is ending: no new connection to ${host}`), { code: 'ECONNABORTED' }))
      this.#dialFor(host)(host, port, done)
    },
    takeWarm: (host, port) => this.#warm.get(`${host}:${port}`)?.shift(),
    pending: this.#pending
  }

  /** Requests sent and not yet answered, oldest first. */
  pending(): PendingRequest[] {
    return [...this.#pending]
  }

  /** Ends every connection and refuses new ones, so nothing in flight keeps the process alive. */
  close(): void {
    this.#closed = true
    for (const agent of this.#agents.values()) agent.close()
    for (const warm of this.#warm.values())
      for (const socket of warm)
        socket.then(
          (tls) => tls.destroy(),
          () => undefined
        )
    this.#warm.clear()
  }

  /** The keep-alive agent for `host`. */
  agentFor(host: string): Agent {
    let agent = this.#agents.get(host)
    if (!agent) {
      ConnectionAgentClass ??= defineConnectionAgent(process.getBuiltinModule('node:https').Agent)
      agent = new ConnectionAgentClass(host, this.#source)
      this.#agents.set(host, agent)
    }
    return agent
  }

  /**
   * Opens `count` connections to `host`:`port` now; the next requests to it use them. A failure
   * is left to the request that would have used the connection to meet and report.
   */
  preconnect(host: string, count = 1, port = 443): void {
    const key = `${host}:${port}`
    const warm = this.#warm.get(key) ?? []
    this.#warm.set(key, warm)
    for (let i = 0; i < count; i++) {
      const socket = new Promise<TLSSocket>((resolve, reject) =>
        this.#source.dial(host, port, (error, tls) => {
          if (error || !tls) return reject(error ?? new Error('no socket'))
          // Until a request takes it, an error only means it will not be used, and it must not
          // keep the process alive if none ever does (a failed sign-in, say).
          tls.on('error', () => tls.destroy())
          tls.unref()
          resolve(tls)
        })
      )
      socket.catch(() => undefined)
      warm.push(socket)
    }
  }

  #dialFor(host: string): Dial {
    let dial = this.#dials.get(host)
    if (!dial) {
      const proxy = proxyFor(host)
      dial = proxy ? tunnelThrough(proxy) : direct
      this.#dials.set(host, dial)
    }
    return dial
  }
}

/** Fails a connection that moves no byte for ATTEMPT_TIMEOUT_MS, from its first packet on. */
function expireWhenIdle(socket: Duplex & { setTimeout(ms: number, callback: () => void): unknown }, host: string): void {
  socket.setTimeout(ATTEMPT_TIMEOUT_MS, () =>
    socket.destroy(
      Object.assign(new Error(`No answer from ${host} in ${ATTEMPT_TIMEOUT_MS / 1000} s`), {
        code: 'ETIMEDOUT'
      })
    )
  )
}

/**
 * TLS over a connected socket. node:tls is loaded here, on the first connection's TCP answer,
 * rather than before the first connection goes out.
 */
function secure(socket: Duplex, host: string, done: (error: Error | null, socket?: TLSSocket) => void): void {
  const tls = process.getBuiltinModule('node:tls').connect({ socket, servername: host })
  expireWhenIdle(tls, host)
  tls.once('secureConnect', () => done(null, tls))
  tls.once('error', (error) => done(error))
}

const direct: Dial = (host, port, done) => {
  const socket = netConnect({ host, port })
  const fail = (error: Error): void => done(error)
  expireWhenIdle(socket, host)
  socket.once('error', fail)
  socket.once('connect', () => {
    socket.off('error', fail)
    // The TLS socket keeps the idle timeout from here on.
    socket.setTimeout(0)
    secure(socket, host, done)
  })
}

function tunnelThrough(proxy: URL): Dial {
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
