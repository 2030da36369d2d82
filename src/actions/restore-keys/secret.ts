/**
 * The BEK secret with a KEK: what exists under its name is compared with what the restore would
 * write (the wrapped value and the three ADE tags), and reused only when equal and asked to; an
 * existing secret is never overwritten. A soft-deleted name is recovered only with
 * recover-deleted. Otherwise the value is stored exactly once (storeSecret).
 */
import { ADE_TAG_NAMES } from '../../ade/tags.ts'
import type { BackedUpObject } from '../../ade/backup-keys.ts'
import { ActionableError } from '../../runner/actionable-error.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { type VaultClient, VaultError } from '../../keyvault/client.ts'
import type { VaultRef } from '../../keyvault/refs.ts'
import { recover, softDeleted } from '../../keyvault/restore.ts'
import { type SecretBundle, readSecret, storeSecret } from '../../keyvault/secrets.ts'

export interface SecretPlan {
  readonly vault: VaultClient
  readonly ref: VaultRef
  readonly secret: BackedUpObject
  readonly value: string
  readonly tags: Record<string, string>
  readonly ifExists: 'fail' | 'reuse'
  readonly recoverDeleted: boolean
}

export type SecretOutcome = { readonly url: string; readonly outcome: 'stored' | 'reused' | 'recovered' }

/** What exists under the name, or undefined when nothing (active) does. */
export async function existingSecret(plan: SecretPlan): Promise<SecretBundle | undefined> {
  return readSecret(plan.vault, plan.ref, plan.secret.name)
}

/** Reuses `existing` when it equals what would be written (and if-exists allows); otherwise fails naming what differs. */
export function judgeExisting(plan: SecretPlan, existing: SecretBundle, recovered = false): SecretOutcome {
  const where = `Secret '${plan.secret.name}' exists in ${plan.ref.name}`
  const differences = [
    ...(existing.attributes?.enabled === false ? ['its latest version is disabled'] : []),
    ...(existing.value !== plan.value ? ["its value is not the backup's wrapped BEK"] : []),
    ...ADE_TAG_NAMES.filter((tag) => existing.tags?.[tag] !== plan.tags[tag]).map(
      (tag) =>
        `its ${tag} tag is '${untrusted(existing.tags?.[tag] ?? '(none)', 200)}', the restore writes '${untrusted(plan.tags[tag], 200)}'`
    )
  ]
  if (differences.length > 0) {
    throw new ActionableError(
      `${where}, and ${differences.join('; ')}. It was not overwritten. Restore into another vault (key-vault), or, if that secret is not needed, ` +
        `delete and purge it (az keyvault secret delete --vault-name ${plan.ref.name} --name ${plan.secret.name}; az keyvault secret purge …) and re-run.`
    )
  }
  const url = typeof existing.id === 'string' ? existing.id : `${plan.ref.url}/secrets/${plan.secret.name}`
  if (!recovered && plan.ifExists === 'fail') {
    throw new ActionableError(
      `${where} (${untrusted(url)}) with the backup's wrapped BEK and the same tags: it is already restored. Re-run with if-exists: reuse to use it.`
    )
  }
  return { url, outcome: recovered ? 'recovered' : 'reused' }
}

/** Stores the wrapped BEK; a soft-deleted name is recovered (with recover-deleted) and then judged as an existing secret. */
export async function storeBek(plan: SecretPlan): Promise<SecretOutcome> {
  try {
    const stored = await storeSecret(plan.vault, plan.ref, plan.secret.name, plan.value, plan.tags)
    return { url: stored.url, outcome: 'stored' }
  } catch (error) {
    if (!(error instanceof VaultError) || error.innerCode !== 'ObjectIsDeletedButRecoverable') throw error
    if (!plan.recoverDeleted) throw softDeleted('secret', plan.ref, plan.secret)
    await recover(plan.vault, 'secret', plan.ref, plan.secret)
    const recovered = await existingSecret(plan)
    if (!recovered)
      throw new ActionableError(`The secret '${plan.secret.name}' was recovered in ${plan.ref.name} but cannot be read back; re-run.`)
    return judgeExisting(plan, recovered, true)
  }
}
