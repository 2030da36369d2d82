/**
 * One secret version as the estate reads it: its content type and tags from the JSON, its
 * value only as bytes. A secret without a KEK holds the BEK itself, and a JavaScript string
 * cannot be wiped, so the value is cut out of the answer's bytes before the rest is parsed;
 * the answer is zeroed, and the value is kept (a copy, zeroed after the unwrap) only to probe it.
 */
import { CONTENT_TYPE, TAG_ALGORITHM, TAG_KEK_URL } from '../../ade/tags.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { type VaultClient, VaultError, normaliseId } from '../../keyvault/client.ts'
import { VaultNotFoundError } from '../../keyvault/not-found.ts'
import { ActionableError } from '../../runner/actionable-error.ts'
import { untrusted } from '../../runner/untrusted.ts'

export type SecretState = 'ok' | 'missing' | 'disabled' | 'not-a-wrapped-bek' | 'kek-mismatch' | 'no-access'

export interface SecretRead {
  /** Before the disk's KEK is compared with the tag: never kek-mismatch here. */
  readonly state: Exclude<SecretState, 'kek-mismatch'>
  /** The DiskEncryptionKeyEncryptionKeyURL tag, normalised when it is an identifier. */
  readonly kekTag?: string
  readonly algorithm: WrapAlgorithm
  /** The wrapped value (base64url bytes), kept only to be unwrapped; the caller zeroes it. */
  readonly wrapped?: Buffer
  /** For a 403: what the vault said. */
  readonly reason?: string
}

/** The content type a BEK without a KEK has (Windows); the legacy Linux 0.1 secret has none. */
const PLAIN_BEK = 'BEK'
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const BASE64URL = new Set(Buffer.from(`${ALNUM}-_`, 'latin1'))
const BASE64 = new Set(Buffer.from(`${ALNUM}-_+/`, 'latin1'))

/** Whether `value` is base64 text of `alphabet` (padding allowed with `padded`), checked byte by byte: never as a string. */
function isBase64(value: Buffer | undefined, alphabet: ReadonlySet<number>, padded: boolean): boolean {
  if (!value || value.length === 0) return false
  let end = value.length
  while (padded && end > 0 && value.length - end < 2 && value[end - 1] === 0x3d) end--
  for (let i = 0; i < end; i++) if (!alphabet.has(value[i])) return false
  return end > 0
}

export async function readSecretVersion(vault: VaultClient, url: string, keep: boolean): Promise<SecretRead> {
  let answer: Buffer
  try {
    answer = await vault.bytes({ operation: 'getSecret', method: 'GET', url })
  } catch (error) {
    // A vault that no longer resolves was deleted (or purged): its secrets are missing, the disks stranded.
    if (error instanceof VaultNotFoundError) return { state: 'missing', algorithm: 'RSA-OAEP' }
    if (!(error instanceof VaultError)) throw error
    if (error.status === 404) return { state: 'missing', algorithm: 'RSA-OAEP' }
    // Key Vault will not show a disabled version, only say that it is disabled.
    if (error.status === 403 && (error.innerCode === 'SecretDisabled' || /disabled/i.test(error.reason))) {
      return { state: 'disabled', algorithm: 'RSA-OAEP' }
    }
    if (error.status === 403) return { state: 'no-access', algorithm: 'RSA-OAEP', reason: error.reason }
    throw error
  }
  try {
    const { meta, value } = splitValue(answer, url)
    const id = typeof meta['id'] === 'string' ? safeId(meta['id']) : undefined
    if (id?.toLowerCase() !== normaliseId(url).toLowerCase()) {
      throw new ActionableError(`Key Vault answered GET ${untrusted(url)} with the secret '${untrusted(meta['id'])}'; refusing to use it.`)
    }
    const tags = meta['tags'] && typeof meta['tags'] === 'object' ? (meta['tags'] as Record<string, unknown>) : {}
    const tag = typeof tags[TAG_KEK_URL] === 'string' ? (tags[TAG_KEK_URL] as string) : undefined
    const algorithmTag = typeof tags[TAG_ALGORITHM] === 'string' ? (tags[TAG_ALGORITHM] as string) : undefined
    const algorithm = WRAP_ALGORITHMS.find((a) => a === algorithmTag) ?? 'RSA-OAEP'
    const contentType = typeof meta['contentType'] === 'string' ? meta['contentType'] : undefined
    const shaped =
      (contentType === CONTENT_TYPE && isBase64(value, BASE64URL, false) && (algorithmTag === undefined || algorithm === algorithmTag)) ||
      (contentType === PLAIN_BEK && isBase64(value, BASE64, true) && tag === undefined) ||
      // The legacy Linux dual-pass secret: no content type, no KEK tag.
      (contentType === undefined && tag === undefined && isBase64(value, BASE64, true))
    const wrapped = keep && shaped && value ? Buffer.from(value) : undefined
    value?.fill(0)
    return {
      state: shaped ? 'ok' : 'not-a-wrapped-bek',
      ...(tag !== undefined ? { kekTag: safeId(tag) ?? tag } : {}),
      algorithm,
      ...(wrapped ? { wrapped } : {})
    }
  } finally {
    answer.fill(0)
  }
}

function safeId(id: string): string | undefined {
  try {
    return normaliseId(id)
  } catch {
    return undefined
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * The answer without its top-level `value` (parsed), and that value's bytes (a copy the caller
 * zeroes). Key Vault's answer is one JSON object; `value` is a string of base64 characters.
 */
function splitValue(answer: Buffer, url: string): { meta: Record<string, unknown>; value?: Buffer } {
  let depth = 0
  for (let i = 0; i < answer.length; i++) {
    const c = answer[i]
    if (c === QUOTE) {
      const end = stringEnd(answer, i)
      if (depth === 1 && answer.toString('latin1', i, end + 1) === '"value"') {
        let j = end + 1
        while (j < answer.length && (answer[j] === 0x20 || answer[j] === 0x3a)) j++
        if (answer[j] !== QUOTE) break
        const close = stringEnd(answer, j)
        const value = Buffer.from(answer.subarray(j + 1, close))
        const rest = Buffer.concat([answer.subarray(0, j + 1), answer.subarray(close)])
        try {
          return { meta: parseObject(rest, url), value }
        } finally {
          rest.fill(0)
        }
      }
      i = end
    } else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) depth--
  }
  return { meta: parseObject(answer, url) }
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(bytes: Buffer, start: number): number {
  for (let i = start + 1; i < bytes.length; i++) {
    if (bytes[i] === BACKSLASH) i++
    else if (bytes[i] === QUOTE) return i
  }
  return bytes.length
}

function parseObject(bytes: Buffer, url: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
  } catch {
    // reported below
  }
  throw new ActionableError(`Key Vault's answer to GET ${untrusted(url)} is not a JSON object; re-run the step.`)
}
