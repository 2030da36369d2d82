// HTTP CONNECT proxy: the only way into the stand-ins, like a corporate egress proxy. Hosts that
// do not exist (e.g. a vault that was never created) are refused so clients fail as on DNS errors.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { sleep } from './http-types.ts'
import type { TrafficLog } from './request-log.ts'

export interface ProxyOptions {
  upstreamPort: number
  isKnownHost(hostname: string): boolean
  log: TrafficLog
  connectLatencyMs: number
}

export interface Proxy {
  port: number
  url: string
  close(): Promise<void>
}

export async function startProxy(opts: ProxyOptions): Promise<Proxy> {
  const sockets = new Set<Duplex>()
  const track = (s: Duplex) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  }
  const server: Server = createServer((req, res) => {
    // Absolute-URI (plain HTTP) proxying is not offered: every Azure endpoint is https.
    opts.log.connects.push({ target: req.url ?? '', at: Date.now(), allowed: false })
    res.writeHead(502, { 'content-type': 'text/plain' })
    res.end('emulator proxy: only CONNECT is supported')
  })
  server.on('connection', track)
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client)
    void tunnel(opts, req, client, head, track)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

async function tunnel(opts: ProxyOptions, req: IncomingMessage, client: Duplex, head: Buffer, track: (s: Duplex) => void): Promise<void> {
  const target = req.url ?? ''
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target)
  const hostname = m ? m[1]!.toLowerCase() : ''
  const allowed = !!m && m[2] === '443' && opts.isKnownHost(hostname)
  opts.log.connects.push({ target, at: Date.now(), allowed })
  client.on('error', () => client.destroy())
  if (!allowed) {
    client.end(
      'HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n' + `emulator proxy: cannot resolve ${target}`
    )
    return
  }
  await sleep(opts.connectLatencyMs)
  const upstream: Socket = connect(opts.upstreamPort, '127.0.0.1')
  track(upstream)
  upstream.on('error', () => client.destroy())
  client.on('close', () => upstream.destroy())
  upstream.on('close', () => client.destroy())
  upstream.once('connect', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length) upstream.write(head)
    client.pipe(upstream)
    upstream.pipe(client)
  })
}
