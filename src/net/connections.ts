/**
 * The HTTPS connections of a run: one keep-alive agent per host, tunnelling through the proxy
 * when one applies, and connections opened ahead of need. The TCP, proxy and TLS handshakes to
 * Entra ID and Key Vault then happen while the GitHub OIDC token is being fetched, instead of
 * one after another on the critical path.
 *
 * The Azure SDK's own proxy agent opens a new tunnel and TLS session for every request; these
 * agents pool tunnelled connections (proxy-tunnel.ts) as a direct https.Agent does.
 */
import type { Agent, ClientRequest } from 'node:http'
import type { Agent as HttpsAgent } from 'node:https'
import type { Duplex } from 'node:stream'
import type { ConnectionOptions, TLSSocket } from 'node:tls'
import { ATTEMPT_TIMEOUT_MS, type Dial, direct } from './dial.ts'
import { proxyFor, tunnelThrough } from './proxy-tunnel.ts'

export { ATTEMPT_TIMEOUT_MS } from './dial.ts'

type Callback = (error: Error | null, socket?: Duplex) => void

/** A request that has been sent and not yet answered in full. */
export interface PendingRequest {
  readonly host: string
  readonly method: string
  /** Without the query, which may carry more than an operation's name. */
  readonly path: string
  readonly since: number
}

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
