// Key Vault's error envelope and the headers every Key Vault response carries.
import { randomUUID } from 'node:crypto'
import type { ServiceResponse } from '../http-types.ts'

export const KV_REGION = 'eastus'
export const CLIENT_ADDRESS = '203.0.113.7'

export function kvHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'cache-control': 'no-cache',
    pragma: 'no-cache',
    expires: '-1',
    'content-type': 'application/json; charset=utf-8',
    'x-ms-request-id': randomUUID(),
    'x-ms-keyvault-service-version': '1.9.2795.1',
    'x-ms-keyvault-region': KV_REGION,
    'x-ms-keyvault-network-info': `conn_type=Ipv4;addr=${CLIENT_ADDRESS};act_addr_fam=InterNetwork;`,
    'strict-transport-security': 'max-age=31536000;includeSubDomains',
    'x-content-type-options': 'nosniff',
    ...extra
  }
}

export function kvOk(body: unknown, status = 200): ServiceResponse {
  return { status, body, headers: kvHeaders() }
}

export function kvError(
  status: number,
  code: string,
  message: string,
  innerCode?: string,
  headers: Record<string, string> = {}
): ServiceResponse {
  const error: Record<string, unknown> = { code, message }
  if (innerCode) error['innererror'] = { code: innerCode }
  return { status, body: { error }, headers: kvHeaders(headers) }
}

export const badParameter = (message: string) => kvError(400, 'BadParameter', message)

export const keyNotFound = (name: string, version?: string): ServiceResponse => notFound('key', name, version)
export const secretNotFound = (name: string, version?: string): ServiceResponse => notFound('secret', name, version)

function notFound(kind: 'key' | 'secret', name: string, version?: string): ServiceResponse {
  const id = version ? `${name}/${version}` : name
  return kvError(
    404,
    kind === 'key' ? 'KeyNotFound' : 'SecretNotFound',
    `A ${kind} with (name/id) ${id} was not found in this key vault. If you recently deleted this ${kind} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`
  )
}
