/**
 * Checks what Key Vault answered before anything uses it: an id, a kid or a tag becomes an
 * output, a tag or the next request's URL, so it must name exactly what was asked for. A
 * wrong answer is a refusal naming the request, never a silent success.
 */
import { ActionableError } from '../runner/actionable-error.ts'
import type { Cloud } from '../net/clouds.ts'
import type { VaultRef } from './refs.ts'
import { untrusted } from '../runner/untrusted.ts'

const VERSION = /^[0-9a-f]{32}$/i
const NAME = /^[0-9a-zA-Z-]{1,127}$/

interface ObjectId {
  readonly host: string
  readonly collection: string
  readonly name: string
  readonly version: string
}

/** Splits `https://<host>/<collection>/<name>/<32 hex>`, or undefined when `id` is not that shape. */
function parseObjectId(id: unknown): ObjectId | undefined {
  if (typeof id !== 'string') return undefined
  let url: URL
  try {
    url = new URL(id)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username || url.password || url.search || url.hash) return undefined
  const [, collection = '', name = '', version = '', ...rest] = url.pathname.replace(/\/$/, '').split('/')
  if (rest.length > 0 || !NAME.test(name) || !VERSION.test(version)) return undefined
  return { host: url.hostname.toLowerCase(), collection, name, version: version.toLowerCase() }
}

const hostOf = (vault: VaultRef): string => new URL(vault.url).hostname.toLowerCase()

/**
 * The versioned secret URL in an answer about secret `name` of `vault`, normalised.
 * `request` names the request the answer came from; `after` says what that means for the user.
 */
export function checkSecretId(id: unknown, vault: VaultRef, name: string, request: string, after = ''): string {
  const parsed = parseObjectId(id)
  const expected = `${vault.url}/secrets/${name}/<32 hex digits>`
  if (!parsed || parsed.collection !== 'secrets' || parsed.host !== hostOf(vault) || parsed.name.toLowerCase() !== name.toLowerCase()) {
    const said = id === undefined ? 'no id' : `the id '${untrusted(id, 200)}'`
    throw new ActionableError(
      `Key Vault's answer to ${request} has ${said}, not ${expected}; refusing to use it.${after ? ` ${after}` : ''}`
    )
  }
  return `https://${parsed.host}/secrets/${parsed.name}/${parsed.version}`
}

/**
 * The versioned key URL in the answer to `method url` about key `name` (any version, or
 * `version`) of `vault`, normalised.
 */
export function checkKid(kid: unknown, vault: VaultRef, name: string, version: string | undefined, method: string, url: string): string {
  const parsed = parseObjectId(kid)
  if (
    !parsed ||
    parsed.collection !== 'keys' ||
    parsed.host !== hostOf(vault) ||
    parsed.name.toLowerCase() !== name.toLowerCase() ||
    (version !== undefined && parsed.version !== version.toLowerCase())
  ) {
    const said = kid === undefined ? 'without a key identifier' : `with the key ${untrusted(kid, 200)}`
    throw new ActionableError(
      `Key Vault answered for ${url} ${said}, not ${vault.url}/keys/${name}/${version ?? '<32 hex digits>'}; refusing to use it (${method} request). Re-run the step; if it persists, check the KEK with az keyvault key show.`
    )
  }
  return `https://${parsed.host}/keys/${parsed.name}/${parsed.version}`
}

/**
 * The KEK URL tag of an existing secret: a versioned key URL in a Key Vault of `cloud`, or
 * undefined when it is not one (the caller says which secret).
 */
export function kekUrlFromTag(tag: unknown, cloud: Cloud): string | undefined {
  const parsed = parseObjectId(tag)
  if (!parsed || parsed.collection !== 'keys') return undefined
  const vaultName = parsed.host.slice(0, -`.${cloud.vaultSuffix}`.length)
  if (!parsed.host.endsWith(`.${cloud.vaultSuffix}`) || !/^[a-z0-9-]{3,24}$/.test(vaultName)) return undefined
  return `https://${parsed.host}/keys/${parsed.name}/${parsed.version}`
}

/**
 * Checks a wrapkey `value`: base64url (no padding) of exactly one RSA block of the KEK,
 * which is what ADE will hand the KEK's private key at every boot.
 */
export function checkWrappedValue(value: string, kekBits: number, request: string): void {
  const bytes = kekBits / 8
  const ok = /^[A-Za-z0-9_-]+$/.test(value) && Buffer.byteLength(value) === Math.ceil((bytes * 4) / 3)
  if (!ok || Buffer.from(value, 'base64url').length !== bytes) {
    throw new ActionableError(
      `Key Vault's answer to ${request} is not one RSA-${kekBits} block in base64url (${value.length} characters); nothing was stored. Re-run the step; if it persists, check the KEK with az keyvault key show.`
    )
  }
}
