// Key Vault list paging: `maxresults` (1..25) and an opaque `$skiptoken` in `nextLink`.
import type { ServiceResponse } from '../http-types.ts'
import { badParameter, kvOk } from './errors.ts'

export function pageOf(items: unknown[], query: URLSearchParams, absoluteBase: string): ServiceResponse {
  const maxRaw = query.get('maxresults')
  const max = maxRaw === null ? 25 : Number(maxRaw)
  if (!Number.isInteger(max) || max < 1 || max > 25)
    return badParameter(`Invalid value for maxresults: ${maxRaw}. It must be between 1 and 25.`)
  const token = query.get('$skiptoken')
  let offset = 0
  if (token) {
    try {
      offset = Number((JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: number }).offset ?? 0)
    } catch {
      return badParameter('The skip token is not valid.')
    }
  }
  const value = items.slice(offset, offset + max)
  let nextLink: string | null = null
  if (offset + max < items.length) {
    const next = new URLSearchParams({ 'api-version': query.get('api-version') ?? '7.6' })
    next.set('$skiptoken', Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64url'))
    if (maxRaw !== null) next.set('maxresults', String(max))
    nextLink = `${absoluteBase}?${next.toString().replace('%24skiptoken', '$skiptoken')}`
  }
  return kvOk({ value, nextLink })
}
