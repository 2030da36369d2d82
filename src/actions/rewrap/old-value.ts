/**
 * The first step of a rewrap: the vault unwraps the secret's latest value with the KEK version
 * its tag names, and what it answers is checked as far as it can be before anything is wrapped
 * with it. The plaintext is returned in a Buffer the caller zeroes.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { BekFormatError, parseBekFile } from '../../ade/bek-file.ts'
import { decodeJsonBase64UrlField } from '../../ade/key-bytes.ts'
import { TAG_FILE_NAME } from '../../ade/tags.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { VaultError, type VaultClient } from '../../keyvault/client.ts'
import type { RewrapPlan } from './plan.ts'

/** A Windows BEK's file name: the startup key's protector GUID, as BitLocker looks for it. */
const BEK_FILE_NAME = /^([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})\.BEK$/i

export async function unwrapOld(vault: VaultClient, step: RewrapPlan, value: string): Promise<Buffer> {
  const body = Buffer.from(JSON.stringify({ alg: step.oldAlgorithm, value }))
  try {
    const answer = await vault.bytes({ operation: 'unwrapStored', method: 'POST', url: `${step.oldKekUrl}/unwrapkey`, body })
    try {
      return decodeJsonBase64UrlField(answer, 'value')
    } catch (error) {
      throw new ActionableError(
        `Key Vault's answer to POST ${step.oldKekUrl}/unwrapkey is unusable (${(error as Error).message}); nothing was stored. Re-run the step.`
      )
    } finally {
      answer.fill(0)
    }
  } catch (error) {
    const disabled = error instanceof VaultError && error.status === 403 && /disabled|expired|not valid/i.test(error.message)
    if (disabled || (error instanceof VaultError && error.status === 404)) {
      throw new ActionableError(
        `Key Vault cannot unwrap it with ${step.oldKekUrl} (${disabled ? 'disabled or outside its dates' : 'missing'}). ` +
          'Re-enable that KEK version for the rewrap (az keyvault key set-attributes --enabled true --version …), then re-run.'
      )
    }
    throw error
  } finally {
    body.fill(0)
  }
}

/** A raw key, as the root action makes by default for Windows (the reference script's flow): no file to check. */
const RAW_KEY_BYTES = 32

/**
 * A secret tagged with a Windows `<GUID>.BEK` file name must unwrap to that startup-key file:
 * BitLocker reads it at boot. Other bytes (a vault or proxy answering the unwrap wrongly, or a
 * secret that never held the file) are refused before they are wrapped onto the target. The
 * one exception is a raw 32-byte key, which the root action stores for Windows by default (with
 * a warning): it has no structure to check, and is reported (true) rather than stranded.
 */
export function checkBekFile(step: RewrapPlan, tags: Readonly<Record<string, string>>, plain: Buffer): boolean {
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
      `Its value, unwrapped with ${step.oldKekUrl}, is not the BitLocker startup key ${untrusted(guid)}.BEK its ${TAG_FILE_NAME} tag names (${untrusted(problem, 200)}); nothing was stored. ` +
        'Re-run the step; if it fails again, the secret does not hold that .BEK file: check it, and leave it out of secret-name until it is fixed.'
    )
  }
  return false
}
