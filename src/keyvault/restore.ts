/**
 * Restores a key or a secret from its Key Vault backup blob (POST /keys/restore,
 * /secrets/restore), knowing what happened in every case: the version the backup must bring is
 * looked for first (a shared KEK is usually there already); a name that exists is read, not
 * overwritten; a soft-deleted one is recovered only when asked; and an answer that is lost is
 * checked by reading the version, never resent blindly (retry.ts does not resend a restore).
 */
import * as core from '@actions/core'
import { ActionableError } from '../runner/actionable-error.ts'
import { untrusted } from '../runner/untrusted.ts'
import type { BackedUpObject } from '../ade/backup-keys.ts'
import { encodeBase64Url } from '../ade/key-bytes.ts'
import { type VaultClient, VaultError, mask } from './client.ts'
import type { VaultRef } from './refs.ts'
import { lostConnection, outcomeUnknown } from './retry.ts'

export type Kind = 'key' | 'secret'
/** reused: the vault had the version; restored: this step restored it; recovered: this step recovered the soft-deleted name. */
export type RestoreOutcome = 'reused' | 'restored' | 'recovered'

/** How often a restore whose answer was lost is sent again, each time after reading that it was not done. */
const RESENDS = 1
/** A recovery takes effect after a few seconds in Key Vault: how long its version is waited for. */
const RECOVER_POLLS = 20
const RECOVER_POLL_MS = 1000

const collection = (kind: Kind) => (kind === 'key' ? 'keys' : 'secrets')
const az = (kind: Kind, verb: string, vault: VaultRef, name: string) =>
  `az keyvault ${kind} ${verb} --vault-name ${vault.name} --name ${name}`

/** The object's URL in `ref`, versioned: where the backup's version is (or will be) once restored. */
export const objectUrl = (kind: Kind, ref: VaultRef, object: BackedUpObject): string =>
  `${ref.url}/${collection(kind)}/${object.name}/${object.version}`

/** Whether `ref` holds the backup's version of the object. */
export async function hasVersion(vault: VaultClient, kind: Kind, ref: VaultRef, object: BackedUpObject): Promise<boolean> {
  try {
    const url = objectUrl(kind, ref, object)
    const answer = await vault.jsonOrNotFound<{ value?: unknown } | null>({
      operation: kind === 'key' ? 'getKey' : 'getSecret',
      method: 'GET',
      url
    })
    if (kind === 'secret' && typeof answer?.value === 'string') mask(answer.value)
    return answer !== undefined
  } catch (error) {
    // A disabled secret version is there; Key Vault only will not show it.
    if (error instanceof VaultError && error.innerCode === 'SecretDisabled') return true
    throw error
  }
}

export async function restoreFromBackup(
  vault: VaultClient,
  kind: Kind,
  ref: VaultRef,
  object: BackedUpObject,
  backup: Buffer,
  recoverDeleted: boolean
): Promise<RestoreOutcome> {
  if (await firstRead(vault, kind, ref, object)) return 'reused'
  const url = `${ref.url}/${collection(kind)}/restore`
  const encoded = encodeBase64Url(backup)
  const body = Buffer.concat([Buffer.from('{"value":"'), encoded, Buffer.from('"}')])
  encoded.fill(0)
  const what = `${kind} '${object.name}' (version ${object.version}) into ${ref.name}`
  try {
    for (let resends = 0; ; resends++) {
      try {
        await vault.json({ operation: kind === 'key' ? 'restoreKey' : 'restoreSecret', method: 'POST', url, body })
        break
      } catch (error) {
        const lost = lostAnswer(error, `POST ${url}`)
        if (!lost) throw error
        // The vault may have restored it: read, never resend blindly.
        if (await hasVersion(vault, kind, ref, object)) {
          core.info(`${lost}; the vault had restored the ${what}; not sent again.`)
          return 'restored'
        }
        if (resends >= RESENDS)
          throw new ActionableError(`${lost}, twice, and the vault has no ${what}: nothing was restored. Re-run the step.`)
        core.info(`${lost}; the vault had not restored the ${what}; sending it again.`)
      }
    }
  } catch (error) {
    if (!(error instanceof VaultError)) throw error
    if (error.status === 409 && error.innerCode === 'ObjectIsDeletedButRecoverable') {
      if (!recoverDeleted) throw softDeleted(kind, ref, object)
      return recover(vault, kind, ref, object)
    }
    if (error.status === 409) {
      if (await hasVersion(vault, kind, ref, object)) return 'reused'
      throw new ActionableError(
        `A ${kind} named '${object.name}' exists in ${ref.name} without version ${object.version}, which the backup holds` +
          `${kind === 'key' ? ' and the BEK was wrapped with' : ''}; it was not overwritten. ` +
          `Restore into another vault (${kind === 'key' ? 'kek-vault' : 'key-vault'}), or, if that ${kind} is not needed, ` +
          `delete and purge it (${az(kind, 'delete', ref, object.name)}; ${az(kind, 'purge', ref, object.name)}) and re-run.`
      )
    }
    if (error.status === 400) {
      throw new ActionableError(
        `Key Vault refused to restore the ${kind} backup into ${ref.name}: "${untrusted(error.reason, 300)}". A backup restores only into a vault ` +
          `of the same subscription and the same geography as the vault it was taken from (${object.vaultName}); ` +
          `give ${kind === 'key' ? 'kek-vault' : 'key-vault'} a vault there. If it is one, the backup data is not a Key Vault ${kind} backup: check the recovery point or the config file.`,
        { cause: error }
      )
    }
    throw error
  } finally {
    body.fill(0)
  }
  if (!(await hasVersion(vault, kind, ref, object))) {
    throw new ActionableError(
      `The ${kind} '${object.name}' was restored into ${ref.name}, but it has no version ${object.version}, which the backup names: the backup data is of another ${kind}.`
    )
  }
  return 'restored'
}

/** hasVersion, where a 403 names what a restore needs (reading alone would suggest a role that cannot restore). */
async function firstRead(vault: VaultClient, kind: Kind, ref: VaultRef, object: BackedUpObject): Promise<boolean> {
  try {
    return await hasVersion(vault, kind, ref, object)
  } catch (error) {
    if (
      !(error instanceof VaultError) ||
      error.status !== 403 ||
      error.innerCode === 'ForbiddenByFirewall' ||
      error.innerCode === 'ForbiddenByPolicy'
    )
      throw error
    const [role, policy] =
      kind === 'key' ? ['Key Vault Crypto Officer', 'keys: get, restore'] : ['Key Vault Secrets Officer', 'secrets: get, restore']
    throw new ActionableError(
      `The identity may not read the ${kind} '${object.name}' in ${ref.name}, which it must do before restoring it. Grant it the RBAC role '${role}' on the vault, ` +
        `or, for a vault using access policies, the permissions '${policy}'. Role assignments can take a few minutes to apply. Key Vault said: ${untrusted(error.reason, 200)}`,
      { cause: error }
    )
  }
}

function lostAnswer(error: unknown, request: string): string | undefined {
  if (error instanceof VaultError)
    return outcomeUnknown(error.status) ? `${request} failed (HTTP ${error.status}), perhaps after the vault restored it` : undefined
  const code = lostConnection(error)
  return code && `The answer to ${request} was lost (${untrusted(code, 40)})`
}

/** The failure for a soft-deleted name: what to run, or to re-run with recover-deleted. */
export function softDeleted(kind: Kind, ref: VaultRef, object: BackedUpObject): ActionableError {
  return new ActionableError(
    `A ${kind} named '${object.name}' is soft-deleted in ${ref.name}, and blocks the restore under its name. If it is the backed-up ${kind} ` +
      `(it then holds version ${object.version}), re-run with recover-deleted: true (needs ${kind}s recover: ${kind === 'key' ? 'Key Vault Crypto Officer' : 'Key Vault Secrets Officer'}) ` +
      `or run ${az(kind, 'recover', ref, object.name)}; otherwise purge it (${az(kind, 'purge', ref, object.name)}, irreversible) and re-run.`
  )
}

/** Recovers a soft-deleted name, then waits for the backup's version to be readable. */
export async function recover(vault: VaultClient, kind: Kind, ref: VaultRef, object: BackedUpObject): Promise<RestoreOutcome> {
  const url = `${ref.url}/deleted${collection(kind)}/${object.name}/recover`
  await vault.json({ operation: kind === 'key' ? 'recoverKey' : 'recoverSecret', method: 'POST', url })
  core.info(`Recovered the soft-deleted ${kind} '${object.name}' in ${ref.name}.`)
  for (let poll = 0; poll < RECOVER_POLLS; poll++) {
    if (await hasVersion(vault, kind, ref, object)) return 'recovered'
    await new Promise((resolve) => setTimeout(resolve, RECOVER_POLL_MS))
  }
  throw new ActionableError(
    `The soft-deleted ${kind} '${object.name}' was recovered in ${ref.name}, but version ${object.version}, which the backup names, is not there: ` +
      `it is another ${kind}. Restore into another vault, or delete and purge it (${az(kind, 'delete', ref, object.name)}; ${az(kind, 'purge', ref, object.name)}) and re-run.`
  )
}
