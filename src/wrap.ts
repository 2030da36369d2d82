/**
 * Has Key Vault wrap the key with the KEK, and unwrap it again to verify. Both are done by
 * the vault (one wrapkey request per key), never locally with the public key: the vault's
 * audit log then records each KeyWrap, and HSM keys wrap inside the HSM.
 */
import { timingSafeEqual } from 'node:crypto'
import * as core from '@actions/core'
import { ActionableError } from './actionable-error.ts'
import { decodeJsonBase64UrlField, keyOperationBody } from './key-bytes.ts'
import { type VaultClient, normaliseId } from './vault-client.ts'
import type { WrapAlgorithm } from './wrap-algorithms.ts'

export interface WrappedKey {
  /** The versioned KEK that wrapped it, normalised. */
  readonly kid: string
  /** The wrapkey result exactly as Key Vault returned it (base64url). */
  readonly value: string
}

/** `keyUrl` is a versioned key identifier, or a version-less one to use the current version. */
export async function wrapKey(vault: VaultClient, keyUrl: string, algorithm: WrapAlgorithm, key: Buffer): Promise<WrappedKey> {
  const body = keyOperationBody(algorithm, key)
  try {
    const result = await vault.json<{ kid?: string; value?: string }>({
      operation: 'wrapKey',
      method: 'POST',
      url: `${keyUrl}/wrapkey`,
      body
    })
    if (!result.value || !result.kid) throw new ActionableError(`Key Vault's wrapkey answer for ${keyUrl} has no value or kid`)
    core.setSecret(result.value)
    return { kid: normaliseId(result.kid), value: result.value }
  } finally {
    body.fill(0)
  }
}

/** Has the vault unwrap `wrapped` and compares the result with `key` in constant time. */
export async function verifyUnwrap(vault: VaultClient, wrapped: WrappedKey, algorithm: WrapAlgorithm, key: Buffer): Promise<void> {
  const body = JSON.stringify({ alg: algorithm, value: wrapped.value })
  const answer = await vault.bytes({ operation: 'unwrapKey', method: 'POST', url: `${wrapped.kid}/unwrapkey`, body })
  let unwrapped: Buffer | undefined
  try {
    unwrapped = decodeJsonBase64UrlField(answer, 'value')
    if (unwrapped.length !== key.length || !timingSafeEqual(unwrapped, key)) {
      throw new ActionableError(`Verification failed: Key Vault unwrapped the stored value with ${wrapped.kid} to a different key.`)
    }
  } finally {
    answer.fill(0)
    unwrapped?.fill(0)
  }
}
