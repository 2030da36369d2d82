/**
 * A keep-alive agent for reaching Key Vault through an HTTP(S) proxy. The Azure SDK's proxy
 * policy uses an agent that opens a new tunnel and TLS session for every request; this one
 * pools tunnelled connections like a direct https.Agent does, so the vault calls of a run
 * share connections behind a proxy too. Proxy choice follows the SDK: HTTPS_PROXY, ALL_PROXY
 * or HTTP_PROXY, and NO_PROXY entries naming the host or, with a leading dot, its domain.
 */
import type { Duplex } from 'node:stream'
import { request as httpRequest } from 'node:http'
import { Agent, type AgentOptions, request as httpsRequest } from 'node:https'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import { getDefaultProxySettings } from '@azure/core-rest-pipeline'

type Callback = (error: Error | null, socket?: Duplex) => void

class TunnelAgent extends Agent {
  readonly #proxy: URL

  constructor(proxy: URL, options?: AgentOptions) {
    super({ keepAlive: true, ...options })
    this.#proxy = proxy
  }

  // https.Agent pools whatever createConnection returns; it may answer through the callback.
  override createConnection(options: ConnectionOptions & { hostname?: string }, callback: Callback): undefined {
    const host = options.hostname ?? options.host ?? ''
    const target = `${host}:${options.port || 443}`
    const proxy = this.#proxy
    const headers: Record<string, string> = { host: target }
    if (proxy.username) {
      headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
    }
    const connect = (proxy.protocol === 'https:' ? httpsRequest : httpRequest)({
      host: proxy.hostname,
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: target,
      headers
    })
    connect.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy()
        callback(Object.assign(new Error(`The proxy refused to connect to ${target}: HTTP ${response.statusCode}`), { code: 'ECONNREFUSED' }))
        return
      }
      const tls = tlsConnect({ ...options, socket, servername: options.servername ?? host })
      tls.once('secureConnect', () => callback(null, tls))
      tls.once('error', (error) => callback(error))
    })
    connect.once('error', (error) => callback(error))
    connect.end()
    return undefined
  }
}

/** The agent for requests to `host`, or undefined to connect directly. */
export function proxyAgentFor(host: string): Agent | undefined {
  const settings = getDefaultProxySettings()
  if (!settings || bypassesProxy(host, process.env.NO_PROXY ?? process.env.no_proxy ?? '')) return undefined
  const url = new URL(settings.host)
  url.port = String(settings.port)
  url.username = settings.username ?? ''
  url.password = settings.password ?? ''
  return new TunnelAgent(url)
}

export function bypassesProxy(host: string, noProxy: string): boolean {
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => entry === '*' || host === entry.replace(/^\./, '') || (entry.startsWith('.') && host.endsWith(entry)))
}
