/**
 * Moving a BEK from one KEK to another without ever storing an unverified wrap, as the rewrap
 * (same vault) and copy-keys (across vaults) both do: unwrap with the KEK version a secret's tags
 * name (unwrapKey, never decrypt), check a Windows startup key's file, check the new wrap's
 * answer, and have the target's vault unwrap the new wrap back to the same bytes (constant-time
 * compare). Each takes only what it needs: a vault client, a KEK URL, the bytes. The plaintext is
 * returned in Buffers the caller zeroes; those made here are zeroed here.
 */
import { ActionableError } from '../runner/actionable-error.ts'
import { BekFormatError, parseBekFile } from './bek-file.ts'
import { decodeJsonBase64UrlField } from './key-bytes.ts'
import { TAG_FILE_NAME } from './tags.ts'
import { untrusted } from '../runner/untrusted.ts'
import { VaultError, type VaultClient } from '../keyvault/client.ts'
import { checkWrappedValue } from '../keyvault/answer-checks.ts'
import { type WrappedKey, verifyUnwrap } from '../keyvault/wrap.ts'
import type { WrapAlgorithm } from './wrap-algorithms.ts'

/** A Windows BEK's file name: the startup key's protector GUID, as BitLocker looks for it. */
const BEK_FILE_NAME = /^([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})\.BEK$/i

/** A raw key, as the root action makes by default for Windows (the reference script's flow): no file to check. */
const RAW_KEY_BYTES = 32

/**
 * The vault of `kekUrl` unwraps a stored wrapped value; `purpose` names the action in the advice
 * ("the rewrap"), since re-enabling an old KEK version is only needed for it.
 */
export async function unwrapWithKek(
  vault: VaultClient,
  kekUrl: string,
  algorithm: WrapAlgorithm,
  value: string,
  purpose: string
): Promise<Buffer> {
  const body = Buffer.from(JSON.stringify({ alg: algorithm, value }))
  try {
    const answer = await vault.bytes({ operation: 'unwrapStored', method: 'POST', url: `${kekUrl}/unwrapkey`, body })
    try {
      return decodeJsonBase64UrlField(answer, 'value')
    } catch (error) {
      throw new ActionableError(
        `Key Vault's answer to POST ${kekUrl}/unwrapkey is unusable (${(error as Error).message}); nothing was stored. Re-run the step.`
      )
    } finally {
      answer.fill(0)
    }
  } catch (error) {
    const disabled = error instanceof VaultError && error.status === 403 && /disabled|expired|not valid/i.test(error.message)
    if (disabled || (error instanceof VaultError && error.status === 404)) {
      throw new ActionableError(
        `Key Vault cannot unwrap it with ${kekUrl} (${disabled ? 'disabled or outside its dates' : 'missing'}). ` +
          `Re-enable that KEK version for ${purpose} (az keyvault key set-attributes --enabled true --version …), then re-run.`
      )
    }
    throw error
  } finally {
    body.fill(0)
  }
}

/**
 * A secret tagged with a Windows `<GUID>.BEK` file name must unwrap to that startup-key file:
 * BitLocker reads it at boot. Other bytes (a vault or proxy answering the unwrap wrongly, or a
 * secret that never held the file) are refused before they are wrapped onto the target. The
 * one exception is a raw 32-byte key, which the root action stores for Windows by default (with
 * a warning): it has no structure to check, and is reported (true) rather than stranded.
 * `leaveOut`: how the user leaves the secret out of the run (the input that names it).
 */
export function checkBekFile(kekUrl: string, tags: Readonly<Record<string, string>>, plain: Buffer, leaveOut: string): boolean {
  const guid = BEK_FILE_NAME.exec(tags[TAG_FILE_NAME] ?? '')?.[1]?.toUpperCase()
  if (!guid) return false
  if (plain.length === RAW_KEY_BYTES) return true
  let problem: string | undefined
  try {
    const file = parseBekFile(plain)
    if (file.protectorId !== guid) problem = `its GUID is ${file.protectorId}`
  } catch (error) {
    if (!(error instanceof BekFormatError)) throw error
    problem = error.message
  }
  if (problem) {
    throw new ActionableError(
      `Its value, unwrapped with ${kekUrl}, is not the BitLocker startup key ${untrusted(guid)}.BEK its ${TAG_FILE_NAME} tag names (${untrusted(problem, 200)}); nothing was stored. ` +
        `Re-run the step; if it fails again, the secret does not hold that .BEK file: check it, and leave it out of ${leaveOut} until it is fixed.`
    )
  }
  return false
}

/** The target's answer to wrapKey: its own version (the kid asked for), one RSA block of its size. */
export function checkNewWrap(wrapped: WrappedKey, target: { readonly kid: string; readonly bits: number }): void {
  if (wrapped.kid.toLowerCase() !== target.kid.toLowerCase()) {
    throw new ActionableError(`Key Vault wrapped it with ${wrapped.kid}, not ${target.kid}; nothing was stored. Re-run the step.`)
  }
  checkWrappedValue(wrapped.value, target.bits, `POST ${target.kid}/wrapkey`)
}

/** The target's vault unwraps the new wrap, and the bytes must be `plain` (compared in constant time). */
export async function verifyNewWrap(vault: VaultClient, wrapped: WrappedKey, algorithm: WrapAlgorithm, plain: Buffer): Promise<void> {
  await verifyUnwrap(vault, wrapped, algorithm, plain, {
    prefix: '',
    subject: 'the new wrap',
    advice: ' Re-run the step; if it fails again, check the target KEK with az keyvault key show.'
  })
}
