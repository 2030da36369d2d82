/**
 * Reads the Key Encryption Key and checks that ADE can use it: RSA, enabled, within its
 * validity dates, and allowed to wrap (now) and unwrap (at every boot of the VM).
 */
import { ActionableError } from '../runner/actionable-error.ts'
import type { KekRef } from '../keyvault/refs.ts'
import { checkKid } from '../keyvault/answer-checks.ts'
import type { OsType } from './os-type.ts'
import { untrusted } from '../runner/untrusted.ts'
import type { VaultClient } from '../keyvault/client.ts'
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
  key?: { kid?: unknown; kty?: unknown; key_ops?: unknown; n?: unknown }
  attributes?: { enabled?: boolean; nbf?: unknown; exp?: unknown }
}

/** The RSA sizes Azure Disk Encryption supports for a KEK. */
const ADE_KEK_BITS = [2048, 3072, 4096]

/** `https://<vault>/keys/<name>[/<version>]` for a KEK reference. */
export function kekUrl(ref: KekRef): string {
  return `${ref.vault.url}/keys/${ref.name}${ref.version ? `/${ref.version}` : ''}`
}

export async function readKek(vault: VaultClient, ref: KekRef): Promise<Kek> {
  const url = `${kekUrl(ref)}/`
  const bundle = await vault.json<KeyBundle | null>({ operation: 'getKey', method: 'GET', url })
  return checkKek(bundle ?? {}, ref)
}

function checkKek({ key, attributes }: KeyBundle, ref: KekRef): Kek {
  const request = `GET ${kekUrl(ref)}`
  // The kid goes into the tags and later requests: it must name the key that was asked for.
  const kid = checkKid(key?.kid, ref.vault, ref.name, ref.version, 'GET', kekUrl(ref))
  const [, name = '', version = ''] = /\/keys\/([^/]+)\/([^/]+)$/.exec(new URL(kid).pathname) ?? []
  if (key?.kty !== 'RSA' && key?.kty !== 'RSA-HSM') {
    throw new ActionableError(
      `The KEK ${kid} is a ${untrusted(key?.kty ?? 'untyped')} key; Azure Disk Encryption needs an RSA or RSA-HSM key.`
    )
  }
  for (const [field, value] of Object.entries({ nbf: attributes?.nbf, exp: attributes?.exp })) {
    if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new ActionableError(
        `Key Vault's answer to ${request} has a non-numeric ${field} date '${untrusted(value, 80)}'; refusing to use the KEK. Check it with az keyvault key show.`
      )
    }
  }
  const nbf = typeof attributes?.nbf === 'number' ? attributes.nbf : undefined
  const exp = typeof attributes?.exp === 'number' ? attributes.exp : undefined
  const bits = modulusBits(key.n)
  if (bits === 0) {
    throw new ActionableError(
      `Key Vault's answer to ${request} has no RSA modulus (key.n); refusing to use the KEK. Re-run the step; if it persists, check the KEK with az keyvault key show.`
    )
  }
  if (!ADE_KEK_BITS.includes(bits)) {
    throw new ActionableError(
      `The KEK ${kid} has a ${bits}-bit modulus; Azure Disk Encryption supports RSA keys of ${ADE_KEK_BITS.join(', ')} bits. Create one with az keyvault key create --kty RSA --size 3072.`
    )
  }
  if (attributes?.enabled === false) throw new ActionableError(`The KEK ${kid} is disabled; enable it or use another version.`)
  const now = Date.now() / 1000
  if (nbf !== undefined && now < nbf) {
    throw new ActionableError(`The KEK ${kid} is not valid before ${isoDate(nbf)}; Key Vault will not wrap with it until then.`)
  }
  if (exp !== undefined && now > exp) {
    throw new ActionableError(`The KEK ${kid} expired on ${isoDate(exp)}; Key Vault no longer wraps with it. Use a newer version.`)
  }
  const ops = Array.isArray(key.key_ops) ? key.key_ops.map(String) : undefined
  const missing = ['wrapKey', 'unwrapKey'].filter((op) => ops && !ops.includes(op))
  if (missing.length > 0) {
    throw new ActionableError(
      `The KEK ${kid} does not allow ${missing.join(' and ')} (its key_ops are ${untrusted(ops?.join(', '))}); ADE wraps the disk key with it and unwraps it at every boot.`
    )
  }
  return { kid, name, version, kty: key.kty, bits, hsm: key.kty === 'RSA-HSM' }
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

/** The modulus size in bits (whole bytes after leading zeros; RSA moduli fill their top byte). */
function modulusBits(n: unknown): number {
  const modulus = Buffer.from(typeof n === 'string' ? n : '', 'base64url')
  const leadingZeros = modulus.findIndex((byte) => byte !== 0)
  return leadingZeros < 0 ? 0 : (modulus.length - leadingZeros) * 8
}

const isoDate = (seconds: number): string => new Date(seconds * 1000).toISOString()
