/**
 * The state of each KEK version that BEKs name: read once per version, plus the key's current
 * version once per key, and judged as ADE will meet it at the next boot.
 */
import type { Cloud } from '../net/clouds.ts'
import { VaultError, type VaultClient, normaliseId } from '../keyvault/client.ts'
import { inParallel } from '../runner/pool.ts'

export const AT_RISK_STATES = ['disabled', 'expired', 'not-yet-valid', 'missing', 'no-access'] as const
export type KekState = 'ok' | 'not-current' | (typeof AT_RISK_STATES)[number]

export const isAtRisk = (state: KekState): boolean => (AT_RISK_STATES as readonly string[]).includes(state)

export interface KekVersionRef {
  /** `https://<vault>.<suffix>/keys/<name>/<version>`, normalised. */
  readonly url: string
  readonly vaultUrl: string
  readonly name: string
  readonly version: string
}

interface KeyBundle {
  key?: { kid?: unknown }
  attributes?: { enabled?: unknown; nbf?: unknown; exp?: unknown }
}

const KEY_PATH = /^\/keys\/([0-9a-zA-Z-]{1,127})\/([0-9a-fA-F]{32})$/
const VAULT_NAME = /^(?!.*--)[a-z][a-z0-9-]{1,22}[a-z0-9]$/

/**
 * A tag's KEK URL as a versioned key in a vault of this cloud, or undefined: only such URLs
 * are ever sent a token, and ADE can only unwrap with a versioned one.
 */
export function parseKekVersion(text: string, cloud: Cloud): KekVersionRef | undefined {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    return undefined
  }
  const host = url.hostname.toLowerCase()
  const suffix = `.${cloud.vaultSuffix}`
  const vaultName = host.endsWith(suffix) ? host.slice(0, -suffix.length) : ''
  const match = KEY_PATH.exec(url.pathname.replace(/\/$/, ''))
  if (url.protocol !== 'https:' || (url.port && url.port !== '443') || url.search || !VAULT_NAME.test(vaultName) || !match) return undefined
  const vaultUrl = `https://${host}`
  const [, name, version] = match
  return { url: `${vaultUrl}/keys/${name}/${version.toLowerCase()}`, vaultUrl, name, version: version.toLowerCase() }
}

/** The state of every KEK version, by its url. */
export async function readKekStates(
  vault: VaultClient,
  refs: readonly KekVersionRef[],
  maxParallel: number
): Promise<Map<string, KekState>> {
  const keys = [...new Map(refs.map((ref) => [keyOf(ref), ref])).values()]
  const currents = await inParallel(keys, maxParallel, (ref) => readCurrentVersion(vault, ref))
  const current = new Map(keys.map((ref, i) => [keyOf(ref), currents[i]]))
  const states = await inParallel(refs, maxParallel, (ref) => readState(vault, ref, current.get(keyOf(ref))))
  return new Map(refs.map((ref, i) => [ref.url, states[i]]))
}

const keyOf = (ref: KekVersionRef): string => `${ref.vaultUrl}/keys/${ref.name}`.toLowerCase()

async function readState(vault: VaultClient, ref: KekVersionRef, currentVersion: string | undefined): Promise<KekState> {
  const read = await readKey(vault, `${ref.vaultUrl}/keys/${ref.name}/${ref.version}`)
  if (typeof read === 'string') return read
  const { attributes } = read
  if (attributes?.enabled === false) return 'disabled'
  const now = Date.now() / 1000
  if (typeof attributes?.exp === 'number' && now > attributes.exp) return 'expired'
  if (typeof attributes?.nbf === 'number' && now < attributes.nbf) return 'not-yet-valid'
  return currentVersion && currentVersion !== ref.version ? 'not-current' : 'ok'
}

/** The key's current version when it is enabled (a newer version that works), else undefined. */
async function readCurrentVersion(vault: VaultClient, ref: KekVersionRef): Promise<string | undefined> {
  const read = await readKey(vault, `${ref.vaultUrl}/keys/${ref.name}`)
  if (typeof read === 'string' || read.attributes?.enabled === false) return undefined
  return read.version
}

async function readKey(vault: VaultClient, url: string): Promise<(KeyBundle & { version: string }) | KekState> {
  let bundle: KeyBundle | undefined
  try {
    bundle = await vault.jsonOrNotFound<KeyBundle>({ operation: 'getKey', method: 'GET', url })
  } catch (error) {
    // Key Vault refuses some reads of a disabled version outright, saying so.
    if (error instanceof VaultError && error.status === 403) return /disabled/i.test(error.message) ? 'disabled' : 'no-access'
    throw error
  }
  if (!bundle) return 'missing'
  const kid = typeof bundle.key?.kid === 'string' ? safeId(bundle.key.kid) : undefined
  // The answer must be the key asked for: a version of it, or that very version.
  const asked = url.toLowerCase()
  const version = kid && /\/([0-9a-f]{32})$/.exec(kid)?.[1]
  if (!kid || !version || !(kid === asked || kid.startsWith(`${asked}/`))) {
    throw new Error(`Key Vault answered for ${url} with another key; refusing to use it.`)
  }
  return { ...bundle, version }
}

function safeId(id: string): string | undefined {
  try {
    return normaliseId(id).toLowerCase()
  } catch {
    return undefined
  }
}
