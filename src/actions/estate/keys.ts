/**
 * What the disks' settings name, checked in Key Vault: one read per distinct secret version
 * and per distinct KEK version (not per disk), every version of each KEK (its versions list),
 * and with probe: unwrap, one unwrap per secret version with the KEK version and algorithm
 * ADE will use at boot, its result zeroed at once. Each vault is paced under its documented
 * limits; a 403 is recorded per vault (scope and role) and the rest is still read.
 */
import { parseKekVersion, type KekVersionRef } from '../../ade/kek-state.ts'
import { decodeJsonBase64UrlField } from '../../ade/key-bytes.ts'
import { type VaultClient, VaultError, normaliseId } from '../../keyvault/client.ts'
import { VaultNotFoundError } from '../../keyvault/not-found.ts'
import { parseVersionedUrl } from '../../keyvault/refs.ts'
import { type TokenBucket, readBucket, unwrapBucket } from '../../keyvault/pacing.ts'
import type { Cloud } from '../../net/clouds.ts'
import { ActionableError } from '../../runner/actionable-error.ts'
import { inParallel } from '../../runner/pool.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { type SecretRead, readSecretVersion } from './secret-read.ts'
import type { Probe } from './inputs.ts'

export type KekState = 'ok' | 'disabled' | 'missing' | 'no-access' | 'no-unwrap'
/** Facts, not failures: Key Vault still unwraps with an expired or not-yet-valid key ("Date-time controlled operations"). */
export type KekFact = 'expired' | 'not-yet-valid'
export type UnwrapState = 'ok' | 'failed' | 'not-probed'

export interface KekRead {
  readonly state: KekState
  readonly facts: readonly KekFact[]
}

export interface VaultDenied {
  readonly vaultUrl: string
  readonly role: string
  readonly permission: string
  readonly reason: string
}

export interface KeyFindings {
  /** By normalised secret URL, lower case. */
  readonly secrets: ReadonlyMap<string, SecretRead>
  /** By normalised KEK version URL, lower case. */
  readonly keks: ReadonlyMap<string, KekRead>
  /** Every version of each key referenced, oldest first: [KEK version URL, state and facts]. */
  readonly versions: ReadonlyArray<readonly [string, KekRead]>
  /** By `${secret} ${kek}`, lower case. */
  readonly unwraps: ReadonlyMap<string, UnwrapState>
  readonly denied: readonly VaultDenied[]
}

export interface KeyRef {
  readonly secretUrl: string
  readonly kekUrl?: string
}

export const pairKey = (secretUrl: string, kekUrl: string | undefined): string => `${secretUrl} ${kekUrl ?? ''}`.toLowerCase()

/** A versioned secret URL in a vault of `cloud`, normalised; undefined otherwise (ADE cannot use it, and no token goes there). */
export function parseSecretVersion(text: string, cloud: Cloud): { url: string; vaultUrl: string } | undefined {
  return parseVersionedUrl(text, cloud, 'secrets')
}

export async function checkKeys(
  vaultFor: (vaultUrls: readonly string[]) => VaultClient,
  cloud: Cloud,
  refs: readonly KeyRef[],
  probe: Probe,
  maxParallel: number
): Promise<KeyFindings> {
  const secretRefs = new Map(
    refs.flatMap((r) =>
      parseSecretVersion(r.secretUrl, cloud) ? [[r.secretUrl.toLowerCase(), parseSecretVersion(r.secretUrl, cloud)!]] : []
    )
  )
  const kekRefs = new Map<string, KekVersionRef>()
  for (const r of refs) {
    const ref = r.kekUrl ? parseKekVersion(r.kekUrl, cloud) : undefined
    if (ref) kekRefs.set(r.kekUrl!.toLowerCase(), ref)
  }
  const vaultUrls = [...new Set([...[...secretRefs.values()].map((s) => s.vaultUrl), ...[...kekRefs.values()].map((k) => k.vaultUrl)])]
  const denied: VaultDenied[] = []
  if (probe === 'none' || vaultUrls.length === 0) return { secrets: new Map(), keks: new Map(), versions: [], unwraps: new Map(), denied }
  const vault = vaultFor(vaultUrls)
  const buckets = new Map(vaultUrls.map((url) => [url, readBucket()]))
  const paced = (vaultUrl: string): Promise<void> => buckets.get(vaultUrl)!.take()
  const deny = (vaultUrl: string, role: string, permission: string, reason: string): void => {
    if (!denied.some((d) => d.vaultUrl === vaultUrl && d.permission === permission)) denied.push({ vaultUrl, role, permission, reason })
  }

  const secretEntries = [...secretRefs.entries()]
  const secretReads = await inParallel(secretEntries, maxParallel, async ([, ref]) => {
    await paced(ref.vaultUrl)
    const read = await readSecretVersion(vault, ref.url, probe === 'unwrap')
    if (read.state === 'no-access') deny(ref.vaultUrl, 'Key Vault Secrets User', 'secrets get', read.reason ?? '')
    return read
  })
  const secrets = new Map(secretEntries.map(([key], i) => [key, secretReads[i]!]))
  try {
    const kekEntries = [...kekRefs.entries()]
    const kekReads = await inParallel(kekEntries, maxParallel, async ([, ref]) => {
      await paced(ref.vaultUrl)
      return readKek(vault, ref, (reason) => deny(ref.vaultUrl, 'Key Vault Crypto Service Encryption User', 'keys get', reason))
    })
    const keks = new Map(kekEntries.map(([key], i) => [key, kekReads[i]!.read]))
    const keys = [...new Map([...kekRefs.values()].map((ref) => [`${ref.vaultUrl}/keys/${ref.name}`.toLowerCase(), ref])).values()]
    const versionLists = await inParallel(keys, maxParallel, (ref) => listKekVersions(vault, ref, paced))
    const versions = versionLists.flat()

    const unwraps = new Map<string, UnwrapState>()
    if (probe === 'unwrap') {
      const unwrapBuckets = new Map<string, TokenBucket>()
      for (const url of vaultUrls) {
        const sizes = kekReads.filter((_, i) => kekEntries[i]![1].vaultUrl === url).map((k) => k.size)
        unwrapBuckets.set(url, unwrapBucket(sizes))
      }
      const pairs = [...new Map(refs.filter((r) => r.kekUrl).map((r) => [pairKey(r.secretUrl, r.kekUrl), r])).values()]
      const results = await inParallel(pairs, maxParallel, async (pair) => {
        const secret = secrets.get(pair.secretUrl.toLowerCase())
        const kekRef = kekRefs.get(pair.kekUrl!.toLowerCase())
        const kek = keks.get(pair.kekUrl!.toLowerCase())
        if (!secret?.wrapped || secret.state !== 'ok' || !kekRef || kek?.state !== 'ok') return 'not-probed'
        await unwrapBuckets.get(kekRef.vaultUrl)!.take()
        return unwrap(vault, kekRef, secret, (reason) =>
          deny(kekRef.vaultUrl, 'Key Vault Crypto Service Encryption User', 'keys unwrapKey', reason)
        )
      })
      pairs.forEach((pair, i) => unwraps.set(pairKey(pair.secretUrl, pair.kekUrl), results[i]!))
    }
    return { secrets, keks, versions, unwraps, denied }
  } finally {
    for (const read of secrets.values()) read.wrapped?.fill(0)
  }
}

interface KeyBundle {
  key?: { kid?: unknown; kty?: unknown; key_ops?: unknown; n?: unknown }
  attributes?: { enabled?: unknown; nbf?: unknown; exp?: unknown }
}

function factsOf(attributes: KeyBundle['attributes']): KekFact[] {
  const now = Date.now() / 1000
  return [
    ...(typeof attributes?.exp === 'number' && now > attributes.exp ? (['expired'] as const) : []),
    ...(typeof attributes?.nbf === 'number' && now < attributes.nbf ? (['not-yet-valid'] as const) : [])
  ]
}

async function readKek(
  vault: VaultClient,
  ref: KekVersionRef,
  onDenied: (reason: string) => void
): Promise<{ read: KekRead; size: { hsm: boolean; bits: number } }> {
  const slowest = { hsm: true, bits: 4096 }
  let bundle: KeyBundle | undefined
  try {
    bundle = await vault.jsonOrNotFound<KeyBundle>({ operation: 'getKey', method: 'GET', url: ref.url })
  } catch (error) {
    // A vault that no longer resolves was deleted (or purged): its keys are missing.
    if (error instanceof VaultNotFoundError) return { read: { state: 'missing', facts: [] }, size: slowest }
    if (!(error instanceof VaultError) || error.status !== 403) throw error
    // Key Vault refuses some reads of a disabled version outright, saying so.
    if (/disabled/i.test(error.reason)) return { read: { state: 'disabled', facts: [] }, size: slowest }
    onDenied(error.reason)
    return { read: { state: 'no-access', facts: [] }, size: slowest }
  }
  if (!bundle) return { read: { state: 'missing', facts: [] }, size: slowest }
  const kid = typeof bundle.key?.kid === 'string' ? safeId(bundle.key.kid)?.toLowerCase() : undefined
  if (kid !== ref.url.toLowerCase()) throw new ActionableError(`Key Vault answered for ${ref.url} with another key; refusing to use it.`)
  const ops = Array.isArray(bundle.key?.key_ops) ? (bundle.key.key_ops as unknown[]) : []
  const state: KekState = bundle.attributes?.enabled === false ? 'disabled' : ops.includes('unwrapKey') ? 'ok' : 'no-unwrap'
  const bits = typeof bundle.key?.n === 'string' ? Math.round((bundle.key.n.replace(/=+$/, '').length * 6) / 8 / 256) * 2048 : 4096
  const size = { hsm: String(bundle.key?.kty).endsWith('-HSM'), bits: [2048, 3072, 4096].includes(bits) ? bits : 4096 }
  return { read: { state, facts: factsOf(bundle.attributes) }, size }
}

/** Every version of the key, from its versions list; a list the identity may not read gives none (the referenced versions still count). */
async function listKekVersions(
  vault: VaultClient,
  ref: KekVersionRef,
  paced: (vaultUrl: string) => Promise<void>
): Promise<Array<[string, KekRead]>> {
  const prefix = `${ref.vaultUrl}/keys/${ref.name}/`.toLowerCase()
  const found: Array<[string, KekRead]> = []
  let url: string | undefined = `${ref.vaultUrl}/keys/${ref.name}/versions`
  const seen = new Set<string>()
  while (url && !seen.has(url)) {
    seen.add(url)
    await paced(ref.vaultUrl)
    let page: { value?: unknown; nextLink?: unknown }
    try {
      page = await vault.json({ operation: 'listKeyVersions', method: 'GET', url })
    } catch (error) {
      if (error instanceof VaultNotFoundError || (error instanceof VaultError && (error.status === 403 || error.status === 404)))
        return found
      throw error
    }
    for (const item of Array.isArray(page.value) ? (page.value as KeyBundle[]) : []) {
      const kid = typeof (item as { kid?: unknown }).kid === 'string' ? (safeId((item as { kid: string }).kid) ?? '') : ''
      if (!kid.toLowerCase().startsWith(prefix)) {
        throw new ActionableError(`Key Vault listed '${untrusted(kid, 200)}' among the versions of ${prefix}; refusing to use it.`)
      }
      found.push([kid, { state: item.attributes?.enabled === false ? 'disabled' : 'ok', facts: factsOf(item.attributes) }])
    }
    url = sameVault(page.nextLink, ref.vaultUrl)
  }
  return found
}

/** A list's nextLink when it stays in the vault (the client refuses other hosts anyway; this ends the list instead). */
function sameVault(link: unknown, vaultUrl: string): string | undefined {
  if (typeof link !== 'string' || link === '') return undefined
  try {
    const url = new URL(link)
    return url.protocol === 'https:' && url.hostname.toLowerCase() === new URL(vaultUrl).hostname ? link : undefined
  } catch {
    return undefined
  }
}

async function unwrap(
  vault: VaultClient,
  kek: KekVersionRef,
  secret: SecretRead,
  onDenied: (reason: string) => void
): Promise<UnwrapState> {
  const body = Buffer.concat([Buffer.from(`{"alg":${JSON.stringify(secret.algorithm)},"value":"`), secret.wrapped!, Buffer.from('"}')])
  let answer: Buffer | undefined
  let key: Buffer | undefined
  try {
    answer = await vault.bytes({ operation: 'unwrapKey', method: 'POST', url: `${kek.url}/unwrapkey`, body })
    key = decodeJsonBase64UrlField(answer, 'value')
    return key.length > 0 ? 'ok' : 'failed'
  } catch (error) {
    if (!(error instanceof VaultError)) throw error
    if (error.status === 403 && !/disabled|not permitted/i.test(error.reason)) {
      onDenied(error.reason)
      return 'not-probed'
    }
    // What ADE would meet at boot: "Unwrap of secret <uri> value using key <uri> failed."
    if (error.status >= 400 && error.status < 500) return 'failed'
    throw error
  } finally {
    body.fill(0)
    answer?.fill(0)
    key?.fill(0)
  }
}

/** A Key Vault identifier from an answer, normalised; undefined when it is no URL. */
function safeId(id: string): string | undefined {
  try {
    return normaliseId(id)
  } catch {
    return undefined
  }
}
