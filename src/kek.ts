/**
 * Reads the Key Encryption Key and checks that ADE can use it: RSA, enabled, within its
 * validity dates, and allowed to wrap (now) and unwrap (at every boot of the VM).
 */
import { ActionableError } from './actionable-error.ts'
import type { KekRef } from './inputs.ts'
import type { OsType } from './os-type.ts'
import { type VaultClient, normaliseId } from './vault-client.ts'
import { type WrapAlgorithm, maxPlaintextBytes } from './wrap-algorithms.ts'

export interface Kek {
  /** The versioned key identifier, normalised: lower-case host, no port. */
  readonly kid: string
  readonly name: string
  readonly version: string
  readonly kty: string
  readonly bits: number
  readonly hsm: boolean
}

interface KeyBundle {
  key?: { kid?: string; kty?: string; key_ops?: string[]; n?: string }
  attributes?: { enabled?: boolean; nbf?: number; exp?: number }
}

/** `https://<vault>/keys/<name>[/<version>]` for a KEK reference. */
export function kekUrl(ref: KekRef): string {
  return `${ref.vault.url}/keys/${ref.name}${ref.version ? `/${ref.version}` : ''}`
}

export async function readKek(vault: VaultClient, ref: KekRef): Promise<Kek> {
  const bundle = await vault.json<KeyBundle>({ operation: 'getKey', method: 'GET', url: `${kekUrl(ref)}/` })
  return checkKek(bundle, ref)
}

function checkKek({ key, attributes }: KeyBundle, ref: KekRef): Kek {
  const url = kekUrl(ref)
  if (!key?.kid || !key.kty) throw new ActionableError(`Key Vault answered for ${url} without a key identifier or type`)
  const kid = normaliseId(key.kid)
  // The kid goes into the tags and later requests: it must name the key that was asked for.
  const asked = `${ref.vault.url}/keys/${ref.name}/`.toLowerCase()
  if (!kid.toLowerCase().startsWith(asked) || (ref.version && !kid.toLowerCase().endsWith(`/${ref.version}`))) {
    throw new ActionableError(`Key Vault answered for ${url} with the key ${kid}; refusing to use it.`)
  }
  const [, name = '', version = ''] = /\/keys\/([^/]+)\/([^/]+)$/.exec(new URL(kid).pathname) ?? []
  if (key.kty !== 'RSA' && key.kty !== 'RSA-HSM') {
    throw new ActionableError(`The KEK ${kid} is a ${key.kty} key; Azure Disk Encryption needs an RSA or RSA-HSM key.`)
  }
  if (attributes?.enabled === false) throw new ActionableError(`The KEK ${kid} is disabled; enable it or use another version.`)
  const now = Date.now() / 1000
  if (attributes?.nbf !== undefined && now < attributes.nbf) {
    throw new ActionableError(`The KEK ${kid} is not valid before ${isoDate(attributes.nbf)}; Key Vault will not wrap with it until then.`)
  }
  if (attributes?.exp !== undefined && now > attributes.exp) {
    throw new ActionableError(
      `The KEK ${kid} expired on ${isoDate(attributes.exp)}; Key Vault no longer wraps with it. Use a newer version.`
    )
  }
  const missing = ['wrapKey', 'unwrapKey'].filter((op) => key.key_ops && !key.key_ops.includes(op))
  if (missing.length > 0) {
    throw new ActionableError(
      `The KEK ${kid} does not allow ${missing.join(' and ')} (its key_ops are ${key.key_ops?.join(', ')}); ADE wraps the disk key with it and unwraps it at every boot.`
    )
  }
  return { kid, name, version, kty: key.kty, bits: modulusBits(key.n), hsm: key.kty === 'RSA-HSM' }
}

/** Warnings about a KEK that works but may not do what the user wants. */
export function kekWarnings(kek: Kek, osType: OsType): string[] {
  return osType === 'windows' && kek.bits <= 2048
    ? [`The KEK is RSA-${kek.bits}: Windows Server 2022 and Windows 11 need a 3072- or 4096-bit KEK for ADE.`]
    : []
}

/** Fails when `bytes` plaintext bytes cannot be wrapped by this KEK with this algorithm. */
export function checkPlaintextFits(kek: Kek, algorithm: WrapAlgorithm, bytes: number, input: string): void {
  const limit = maxPlaintextBytes(algorithm, kek.bits)
  if (bytes > limit) {
    throw new ActionableError(
      `Input '${input}': ${bytes} bytes do not fit: ${algorithm} with the RSA-${kek.bits} KEK wraps at most ${limit} bytes.`
    )
  }
}

function modulusBits(n: string | undefined): number {
  const modulus = Buffer.from(n ?? '', 'base64url')
  const leadingZeros = modulus.findIndex((byte) => byte !== 0)
  const bytes = modulus.length - Math.max(leadingZeros, 0)
  return Math.round((bytes * 8) / 1024) * 1024
}

const isoDate = (seconds: number): string => new Date(seconds * 1000).toISOString()
