/**
 * Has Key Vault wrap the key with the KEK, and unwrap it again to verify. Both are done by
 * the vault (one wrapkey request per key), never locally with the public key: the vault's
 * audit log then records each KeyWrap, and HSM keys wrap inside the HSM.
 */
import { timingSafeEqual } from 'node:crypto'
import { ActionableError } from '../runner/actionable-error.ts'
import { checkKid } from './answer-checks.ts'
import type { KekRef } from './refs.ts'
import { decodeJsonBase64UrlField, keyOperationBody } from '../ade/key-bytes.ts'
import { type VaultClient, mask } from './client.ts'
import type { WrapAlgorithm } from '../ade/wrap-algorithms.ts'

export interface WrappedKey {
  /** The versioned KEK that wrapped it, normalised. */
  readonly kid: string
  /** The wrapkey result exactly as Key Vault returned it (base64url). */
  readonly value: string
}

/**
 * `keyUrl` is a versioned key identifier of the KEK `ref`, or a version-less one to use the
 * current version. The answer's value is checked against the KEK's size by the caller, who knows it.
 */
export async function wrapKey(vault: VaultClient, ref: KekRef, keyUrl: string, algorithm: WrapAlgorithm, key: Buffer): Promise<WrappedKey> {
  const body = keyOperationBody(algorithm, key)
  try {
    const request = `POST ${keyUrl}/wrapkey`
    const result = await vault.json<{ kid?: unknown; value?: unknown } | null>({
      operation: 'wrapKey',
      method: 'POST',
      url: `${keyUrl}/wrapkey`,
      body,
      // The body carries the key: masked before it is sent, so that no echo of it can print it.
      masked: [maskForm(key)]
    })
    if (typeof result?.value !== 'string' || !result.value) {
      throw new ActionableError(`Key Vault's answer to ${request} has no value; nothing was stored. Re-run the step.`)
    }
    // Before the PUT that carries it, and before anything could print it.
    mask(result.value)
    return { kid: checkKid(result.kid, ref.vault, ref.name, undefined, 'POST', `${keyUrl}/wrapkey`), value: result.value }
  } finally {
    body.fill(0)
  }
}

/**
 * The key as the runner's masker must know it: base64url, as Key Vault's requests and answers
 * carry it. The masker takes text, so this one copy of the key is a string (unlike every other,
 * which is a Buffer zeroed after use); it is not kept.
 */
function maskForm(key: Buffer): string {
  return key.toString('base64url')
}

/** How a verification's failure is told: the root action's, or a caller's that names the stage itself. */
export interface VerifyWords {
  readonly prefix: string
  /** What was unwrapped: the stored value, the new wrap. */
  readonly subject: string
  /** Appended to the message: what to do. */
  readonly advice: string
}

const ROOT_WORDS: VerifyWords = { prefix: 'Verification failed: ', subject: 'the stored value', advice: '' }

/**
 * Has the vault unwrap `wrapped` and compares the result with `key` in constant time; without
 * `key` (a reused BEK whose key this run never saw), only that it unwraps to a key at all.
 */
export async function verifyUnwrap(
  vault: VaultClient,
  wrapped: WrappedKey,
  algorithm: WrapAlgorithm,
  key: Buffer | undefined,
  words: VerifyWords = ROOT_WORDS
): Promise<void> {
  const body = JSON.stringify({ alg: algorithm, value: wrapped.value })
  // The request carries the wrapped value, the answer the key (when this run knows it: masked already if it wrapped it).
  const masked = key ? [wrapped.value, maskForm(key)] : [wrapped.value]
  const answer = await vault.bytes({ operation: 'unwrapKey', method: 'POST', url: `${wrapped.kid}/unwrapkey`, body, masked })
  let unwrapped: Buffer | undefined
  try {
    try {
      unwrapped = decodeJsonBase64UrlField(answer, 'value')
    } catch (error) {
      throw new ActionableError(
        `${words.prefix}Key Vault's answer to POST ${wrapped.kid}/unwrapkey is unusable (${(error as Error).message}).${words.advice}`,
        { cause: error }
      )
    }
    const matches = key ? unwrapped.length === key.length && timingSafeEqual(unwrapped, key) : unwrapped.length > 0
    if (!matches) {
      throw new ActionableError(
        `${words.prefix}Key Vault unwrapped ${words.subject} with ${wrapped.kid} to a different key.${words.advice}`
      )
    }
  } finally {
    answer.fill(0)
    unwrapped?.fill(0)
  }
}
