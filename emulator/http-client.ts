// A small HTTPS client that goes through the emulator's CONNECT proxy and trusts the test CA,
// for tests and scripts that need raw requests (the SDKs use HTTPS_PROXY on their own).
import { request as httpRequest } from 'node:http'
import { Agent, request as httpsRequest, type AgentOptions, type RequestOptions } from 'node:https'
import type { Duplex } from 'node:stream'
import { readFileSync } from 'node:fs'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'

export class ProxyTunnelAgent extends Agent {
  private readonly proxyUrl: URL

  constructor(proxyUrl: string, options: AgentOptions = {}) {
    super({ keepAlive: true, ...options })
    this.proxyUrl = new URL(proxyUrl)
  }

  // Node's Agent accepts an asynchronous createConnection via the callback argument.
  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const host = options.hostname ?? options.host ?? 'localhost'
    const port = Number(options.port ?? 443)
    const req = httpRequest({
      host: this.proxyUrl.hostname,
      port: Number(this.proxyUrl.port),
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: { host: `${host}:${port}` }
    })
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy()
        const err = Object.assign(new Error(`proxy CONNECT ${host}:${port} failed with ${res.statusCode}`), {
          code: 'ECONNREFUSED',
          statusCode: res.statusCode
        })
        callback?.(err, undefined as unknown as Duplex)
        return
      }
      const tls = tlsConnect({ ...(options as ConnectionOptions), socket, servername: host })
      tls.once('secureConnect', () => callback?.(null, tls))
      tls.once('error', (e) => callback?.(e, undefined as unknown as Duplex))
    })
    req.once('error', (e) => callback?.(e, undefined as unknown as Duplex))
    req.end()
    return undefined
  }
}

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

export interface ProxyClient {
  agent: ProxyTunnelAgent
  request(
    method: string,
    url: string,
    options?: { headers?: Record<string, string>; body?: unknown; form?: Record<string, string> }
  ): Promise<HttpResult>
  close(): void
}

export function proxyClient(proxyUrl: string, caPath: string): ProxyClient {
  const agent = new ProxyTunnelAgent(proxyUrl, { ca: readFileSync(caPath, 'utf8') })
  return {
    agent,
    close: () => agent.destroy(),
    request: (method, url, options = {}) =>
      new Promise<HttpResult>((resolve, reject) => {
        const headers: Record<string, string> = { ...(options.headers ?? {}) }
        let payload: string | undefined
        if (options.form) {
          payload = new URLSearchParams(options.form).toString()
          headers['content-type'] = 'application/x-www-form-urlencoded'
        } else if (options.body !== undefined) {
          payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
          headers['content-type'] ??= 'application/json'
        }
        if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload))
        const req = httpsRequest(url, { method, agent, headers }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let json: unknown
            try {
              json = text ? JSON.parse(text) : undefined
            } catch {
              json = undefined
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
          })
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end(payload)
      })
  }
}
