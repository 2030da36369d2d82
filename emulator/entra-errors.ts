// Entra ID (AAD STS) error bodies in their real shape: the description embeds trace/correlation ids.
import { randomUUID } from 'node:crypto'
import { jsonResponse, type ServiceResponse } from './http-types.ts'

export function aadError(host: string, status: number, error: string, code: number, text: string, correlationId?: string): ServiceResponse {
  const traceId = randomUUID()
  const correlation = correlationId ?? randomUUID()
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
  const body = {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://${host}/error?code=${code}`
  }
  return {
    ...jsonResponse(status, body, {
      'cache-control': 'no-store, no-cache',
      pragma: 'no-cache',
      'x-ms-request-id': traceId,
      'x-ms-ests-server': '2.1.0 - EUS ProdSlices'
    }),
    operation: 'token'
  }
}

/** AAD's timestamp style in time-range errors: 2023-06-06T12:09:41.2390000Z */
export function aadTime(sec: number): string {
  return new Date(sec * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
}
