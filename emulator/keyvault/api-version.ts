// Key Vault rejects api-versions it does not know; SDK defaults (7.x, 2025-07-01...) must pass.
import type { ServiceResponse } from '../http-types.ts'
import { kvError } from './errors.ts'

const DATED = new Set(['2015-06-01', '2016-10-01', '2025-07-01', '2026-04-01'])
const LATEST = '2025-07-01'

export function checkApiVersion(version: string | null): ServiceResponse | undefined {
  if (version === null || version === '') {
    return kvError(400, 'BadParameter', "The 'api-version' query parameter is required. The latest supported version is 2025-07-01.")
  }
  if (/^7\.[0-6](-preview(\.\d+)?)?$/.test(version) || DATED.has(version) || /^20\d\d-\d\d-\d\d-preview$/.test(version)) return undefined
  return kvError(
    400,
    'BadParameter',
    `The specified version (${version}) is not recognized. Consider using the latest supported version (${LATEST}).`
  )
}
