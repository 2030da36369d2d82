// One TLS endpoint for every stand-in; the Host header picks the service (like Azure's front doors).
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Faults } from './faults.ts'
import type { HostService, ServiceRequest, ServiceResponse } from './http-types.ts'
import { sleep } from './http-types.ts'
import type { TrafficLog } from './request-log.ts'

export interface FrontEndOptions {
  keyPem: string
  certPem: string
  services: HostService[]
  faults: Faults
  log: TrafficLog
  latencyMs: number
}

export interface FrontEnd {
  port: number
  close(): Promise<void>
}

export async function startFrontEnd(opts: FrontEndOptions): Promise<FrontEnd> {
  const server: Server = createServer({ key: opts.keyPem, cert: opts.certPem }, (req, res) => {
    void handle(opts, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
        res.end(JSON.stringify({ error: { code: 'InternalError', message: `emulator: ${String(err)}` } }))
      } else res.destroy()
    })
  })
  // Clients keep connections alive for reuse; a short server idle timeout would race with them.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 130_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

async function handle(opts: FrontEndOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startMs = Date.now()
  const url = new URL(req.url ?? '/', 'https://placeholder')
  const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase()
  const method = (req.method ?? 'GET').toUpperCase()
  const body = await readBody(req)
  const entry = {
    method,
    host: hostname,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    status: 0,
    startMs,
    durationMs: 0,
    authenticated: false
  } as Parameters<typeof opts.log.requests.push>[0]
  opts.log.requests.push(entry)
  const finish = (status: number) => {
    entry.status = status
    entry.durationMs = Date.now() - startMs
  }

  const fault = opts.faults.take(method, hostname, url.pathname)
  if (fault) {
    if (fault.delayMs) await sleep(fault.delayMs)
    if (fault.reset) {
      entry.fault = 'reset'
      finish(0)
      req.socket.destroy()
      return
    }
    if (fault.endlessPages) {
      entry.fault = 'endless-pages'
      finish(200)
      const next = `https://${hostname}${url.pathname}?api-version=7.5&$skiptoken=${++pageCounter}`
      send(res, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { value: [], nextLink: next } })
      return
    }
    if (fault.endlessBody) {
      entry.fault = 'endless-body'
      finish(200)
      sendEndlessBody(res)
      return
    }
    if (fault.status !== undefined) {
      entry.fault = 'status'
      await sleep(opts.latencyMs)
      const headers: Record<string, string> = { 'x-ms-request-id': crypto.randomUUID(), ...(fault.headers ?? {}) }
      const answer = fault.echoRequest ? echoed('BadParameter', 'The request is not valid', body) : fault.body
      send(res, { status: fault.status, headers, body: answer }, fault.stallBody)
      finish(fault.status)
      return
    }
    const afterHandling = fault.resetAfterHandling || fault.stallAfterHandling || fault.answerAfterHandling
    if (!afterHandling && fault.statusAfterHandling === undefined) entry.fault = 'delay'
  }

  const service = opts.services.find((s) => s.handles(hostname))
  let response: ServiceResponse
  if (!service) {
    response = { status: 421, headers: { 'content-type': 'text/plain' }, body: `emulator: no stand-in for host '${hostname}'` }
  } else {
    const sreq: ServiceRequest = { method, hostname, path: url.pathname, query: url.searchParams, headers: req.headers, body }
    response = await service.handle(sreq)
  }
  entry.authenticated = response.authenticated ?? false
  if (response.operation) entry.operation = response.operation
  if (fault?.resetAfterHandling) {
    entry.fault = 'reset-after-handling'
    finish(0)
    req.socket.destroy()
    return
  }
  if (fault?.stallAfterHandling) {
    entry.fault = 'stall-after-handling'
    finish(0)
    return
  }
  if (fault?.statusAfterHandling !== undefined) {
    entry.fault = 'status-after-handling'
    await sleep(opts.latencyMs)
    send(res, {
      status: fault.statusAfterHandling,
      headers: { 'x-ms-request-id': crypto.randomUUID(), ...(fault.headers ?? {}) },
      body: fault.echoAnswer ? echoed('InternalServerError', 'The service failed after answering', payloadOf(response.body)) : fault.body
    })
    finish(fault.statusAfterHandling)
    return
  }
  if (fault?.answerAfterHandling) {
    entry.fault = 'answer-after-handling'
    response = { ...response, body: fault.answerAfterHandling(jsonBody(response.body)) }
  }
  await sleep(opts.latencyMs)
  send(res, response)
  finish(response.status)
}

/** A Key Vault error body whose message quotes `quoted` as it is, as a careless service's would. */
function echoed(code: string, message: string, quoted: Buffer | undefined): unknown {
  return { error: { code, message: `${message}: ${quoted?.toString('utf8') ?? ''}` } }
}

function payloadOf(body: ServiceResponse['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined
  if (Buffer.isBuffer(body)) return body
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
}

/** A service's answer body as a JSON object, whichever form the service gave it in. */
function jsonBody(body: ServiceResponse['body']): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (Buffer.isBuffer(body) || typeof body === 'string') return JSON.parse(body.toString()) as Record<string, unknown>
  return body as Record<string, unknown>
}

/** `stall`: the answer's first half only, the rest never comes (until the client gives up). */
function send(res: ServerResponse, response: ServiceResponse, stall = false): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) }
  const payload = payloadOf(response.body)
  const json = payload !== undefined && typeof response.body === 'object' && !Buffer.isBuffer(response.body)
  if (json && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json; charset=utf-8'
  headers['content-length'] = String(payload?.length ?? 0)
  if (response.status === 204 || response.status === 304) delete headers['content-length']
  res.writeHead(response.status, headers)
  if (stall) res.write(payload?.subarray(0, Math.floor(payload.length / 2)) ?? '')
  else res.end(response.status === 204 ? undefined : payload)
}

/** `{"value":"AAAA…` for as long as the client reads, honouring backpressure, until the socket closes. */
/** The $skiptoken of the next endless page: every nextLink is one the client has not seen. */
let pageCounter = 0

function sendEndlessBody(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 'A')
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
  res.write('{"value":"')
  const pump = (): void => {
    let more = true
    while (more && !res.destroyed) more = res.write(chunk)
    if (!res.destroyed) res.once('drain', pump)
  }
  res.once('close', () => res.removeAllListeners('drain'))
  pump()
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
