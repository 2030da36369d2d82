// The contract between the single HTTPS front end and the per-host stand-ins.
import type { IncomingHttpHeaders } from 'node:http'

export interface ServiceRequest {
  method: string
  /** Host header without port, lower-cased. */
  hostname: string
  /** Raw path without query string. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface ServiceResponse {
  status: number
  headers?: Record<string, string>
  /** Objects are sent as JSON; strings/Buffers as is. */
  body?: unknown
  /** True when the request carried credentials the stand-in accepted. */
  authenticated?: boolean
  /** Logical operation name (e.g. 'wrapKey'), for counting in tests. */
  operation?: string
}

export interface HostService {
  name: string
  handles(hostname: string): boolean
  handle(req: ServiceRequest): Promise<ServiceResponse> | ServiceResponse
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ServiceResponse {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } }
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization
  if (!auth) return undefined
  const m = /^Bearer\s+(.+)$/i.exec(auth.trim())
  return m ? m[1]!.trim() : ''
}

/** A pause in serving; it never keeps a process alive by itself (a test that ends while a stalled request waits). */
export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve()
}
