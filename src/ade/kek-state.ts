/**
 * The state of each KEK version that BEKs name: read once per version, plus the key's current
 * version once per key, and judged as ADE will meet it at the next boot. A KEK version that
 * cannot be read (its vault is gone, in another tenant, or refuses this identity) is judged on
 * its own, with the reason, so one stale tag does not hide the rest of the vault.
 */
import type { Cloud } from '../net/clouds.ts'
import { VaultError, type VaultClient, normaliseId } from '../keyvault/client.ts'
import { VaultNotFoundError } from '../keyvault/not-found.ts'
import { parseVersionedUrl } from '../keyvault/refs.ts'
import { lostConnection } from '../keyvault/retry.ts'
import { inParallel } from '../runner/pool.ts'
import { untrusted } from '../runner/untrusted.ts'

/** ADE cannot (or may not be able to) unwrap with a KEK version in these states at the next boot. */
export const AT_RISK_STATES = ['disabled', 'missing', 'no-access', 'unknown'] as const
/**
 * Facts, not risks: Key Vault still unwraps with a key outside its nbf/exp window ("Date-time
 * controlled operations", Key Vault's "About keys"); only wrap (and encrypt) are refused.
 */
export const DATE_STATES = ['expired', 'not-yet-valid'] as const
export type KekState = 'ok' | 'not-current' | (typeof DATE_STATES)[number] | (typeof AT_RISK_STATES)[number]

export const isAtRisk = (state: KekState): boolean => (AT_RISK_STATES as readonly string[]).includes(state)

/** A KEK version's state, and why when it could not be read. */
export interface KekReading {
  readonly state: KekState
  readonly reason?: string
}

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

/**
 * A tag's KEK URL as a versioned key in a vault of this cloud, or undefined: only such URLs
 * are ever sent a token, and ADE can only unwrap with a versioned one.
 */
export function parseKekVersion(text: string, cloud: Cloud): KekVersionRef | undefined {
  return parseVersionedUrl(text, cloud, 'keys')
}

/** The state of every KEK version, by its url. */
export async function readKekStates(
  vault: VaultClient,
  refs: readonly KekVersionRef[],
  maxParallel: number
): Promise<Map<string, KekReading>> {
  const keys = [...new Map(refs.map((ref) => [keyOf(ref), ref])).values()]
  const currents = await inParallel(keys, maxParallel, (ref) => readCurrentVersion(vault, ref))
  const current = new Map(keys.map((ref, i) => [keyOf(ref), currents[i]]))
  const states = await inParallel(refs, maxParallel, (ref) => readState(vault, ref, current.get(keyOf(ref))))
  return new Map(refs.map((ref, i) => [ref.url, states[i]]))
}

const keyOf = (ref: KekVersionRef): string => `${ref.vaultUrl}/keys/${ref.name}`.toLowerCase()

async function readState(vault: VaultClient, ref: KekVersionRef, currentVersion: string | undefined): Promise<KekReading> {
  const read = await readKey(vault, `${ref.vaultUrl}/keys/${ref.name}/${ref.version}`)
  if ('state' in read) return read
  const { attributes } = read
  if (attributes?.enabled === false) return { state: 'disabled' }
  // A newer working version is the thing to act on (rewrap); the dates only stop new wraps.
  if (currentVersion && currentVersion !== ref.version) return { state: 'not-current' }
  const now = Date.now() / 1000
  if (typeof attributes?.exp === 'number' && now > attributes.exp) return { state: 'expired' }
  if (typeof attributes?.nbf === 'number' && now < attributes.nbf) return { state: 'not-yet-valid' }
  return { state: 'ok' }
}

/** The key's current version when it is enabled (a newer version that works), else undefined. */
async function readCurrentVersion(vault: VaultClient, ref: KekVersionRef): Promise<string | undefined> {
  const read = await readKey(vault, `${ref.vaultUrl}/keys/${ref.name}`)
  if ('state' in read || read.attributes?.enabled === false) return undefined
  return read.version
}

async function readKey(vault: VaultClient, url: string): Promise<(KeyBundle & { version: string }) | KekReading> {
  let bundle: KeyBundle | undefined
  try {
    bundle = await vault.jsonOrNotFound<KeyBundle>({ operation: 'getKey', method: 'GET', url })
  } catch (error) {
    const unreadable = unreadableKey(error, url)
    if (unreadable) return unreadable
    throw error
  }
  if (!bundle) return { state: 'missing' }
  const kid = typeof bundle.key?.kid === 'string' ? safeId(bundle.key.kid) : undefined
  // The answer must be the key asked for: a version of it, or that very version.
  const asked = url.toLowerCase()
  const version = kid && /\/([0-9a-f]{32})$/.exec(kid)?.[1]
  if (!kid || !version || !(kid === asked || kid.startsWith(`${asked}/`))) {
    throw new Error(`Key Vault answered for ${url} with another key; refusing to use it.`)
  }
  return { ...bundle, version }
}

/** Why a KEK version could not be read, when that is about this one KEK's vault; undefined: fail the run. */
function unreadableKey(error: unknown, url: string): KekReading | undefined {
  const host = untrusted(new URL(url).host)
  if (error instanceof VaultNotFoundError) {
    return {
      state: 'unknown',
      reason: `its vault ${host} does not resolve: it was deleted, or the tag names a vault of another cloud. Recover the vault (az keyvault recover --name <vault>) or rewrap the BEKs onto a KEK that exists`
    }
  }
  if (error instanceof VaultError) {
    // Key Vault refuses some reads of a disabled version outright, saying so.
    if (error.status === 403 && /disabled/i.test(error.message)) return { state: 'disabled' }
    if (error.status === 401) {
      return {
        state: 'no-access',
        reason: `${host} refused this identity's token (HTTP 401): the vault is in another tenant. Run the inventory with an identity of that tenant (tenant-id), or rewrap the BEKs onto a KEK of this tenant`
      }
    }
    if (error.status === 403) return { state: 'no-access' }
    return {
      state: 'unknown',
      reason: `${host} answered HTTP ${error.status}${error.code ? ` (${untrusted(error.code, 100)})` : ''} after retries: re-run the inventory`
    }
  }
  const code = lostConnection(error) ?? networkCode(error)
  if (code) {
    return {
      state: 'unknown',
      reason: `could not reach ${host} (${code}) after retries: check the vault's firewall and the runner's network, then re-run`
    }
  }
  return undefined
}

/** A connection error's code (ECONNREFUSED, EAI_AGAIN, …) on an SDK RestError. */
function networkCode(error: unknown): string | undefined {
  const code = error instanceof Error && error.name === 'RestError' ? (error as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined
}

function safeId(id: string): string | undefined {
  try {
    return normaliseId(id).toLowerCase()
  } catch {
    return undefined
  }
}
