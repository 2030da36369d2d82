/**
 * restore-keys: read the backup's keys (recovery point or config file), restore the KEK (or find
 * it there: a shared KEK usually is), verify that the backup's wrapped BEK unwraps with it to a
 * key ADE can use, and only then store the secret, exactly once, with ADE's tags. Without a KEK,
 * the secret's own backup is restored and read back. A failing run names what it wrote.
 */
import * as core from '@actions/core'
import { mask } from '../../keyvault/client.ts'
import type { BackupKeys } from '../../ade/backup-keys.ts'
import { LINUX_KEY_FILE_NAME, buildTags } from '../../ade/tags.ts'
import type { OsType } from '../../ade/os-type.ts'
import { ArmClient } from '../../arm/client.ts'
import { vaultChecks } from '../../arm/checks.ts'
import { findVaultId, readVault } from '../../arm/vaults.ts'
import { type VaultRef, parseVault } from '../../keyvault/refs.ts'
import { objectUrl, restoreFromBackup } from '../../keyvault/restore.ts'
import { ActionableError } from '../../runner/actionable-error.ts'
import { describeError } from '../../runner/errors.ts'
import type { Session } from '../../runner/session.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { untrusted } from '../../runner/untrusted.ts'
import type { RestoreSettings } from './inputs.ts'
import { type Restored, setOutputs, writeSummary } from './report.ts'
import { type SecretOutcome, type SecretPlan, existingSecret, judgeExisting, storeBek } from './secret.ts'
import { readBackupKeys } from './source.ts'
import { verifyBeforeStoring } from './verify.ts'
import { verifyRestoredSecret } from './verify-restored.ts'

export async function main(settings: RestoreSettings, session: Session): Promise<void> {
  const keys = await readBackupKeys(settings, session)
  const osType = settings.osType ?? keys.osType
  if (!osType) throw new ActionableError("The recovery point does not say the VM's OS type; set os-type: windows or linux.")
  // The wrapped value travels in requests and may be echoed in errors: masked before the first one.
  if (keys.wrappedValue) mask(keys.wrappedValue)
  const vaultRef = (input: string, name: string): VaultRef => parseVault(input, name, settings.cloud)
  const keyVault = settings.keyVault ?? vaultRef('key-vault', keys.secret.vaultName)
  const kekVault = settings.kekVault ?? (keys.kek ? vaultRef('kek-vault', keys.kek.vaultName) : keyVault)
  const vault = session.vaultFor([...new Set([keyVault.url, kekVault.url])])
  // With subscription-id, ADE's vault checks run before anything is written, as the root action's do.
  const ids = settings.arm ? await checkedVaultIds(settings, session, keyVault, kekVault, !!keys.kek) : {}
  const written: string[] = []
  try {
    const restored = keys.kek
      ? await withKek(settings, osType, keys, vault, keyVault, kekVault, written)
      : await withoutKek(settings, osType, keys, vault, keyVault, written)
    const report: Restored = { ...restored, ...ids }
    setOutputs(report)
    core.info(
      `BEK secret: ${untrusted(report.secretUrl)} (${report.secretOutcome})${report.kekUrl ? `; KEK: ${untrusted(report.kekUrl)} (${report.kekOutcome})` : ''}`
    )
    await writeSummary(report).catch(summaryNotWritten)
  } catch (error) {
    if (written.length === 0) throw error
    throw new ActionableError(`${describeError(error, session.errorContext())} This run wrote: ${written.join('; ')}.`, { cause: error })
  }
}

type Vault = Session['vault']

async function withKek(
  settings: RestoreSettings,
  osType: OsType,
  keys: BackupKeys,
  vault: Vault,
  keyVault: VaultRef,
  kekVault: VaultRef,
  written: string[]
): Promise<Omit<Restored, 'vaultId' | 'kekVaultId'>> {
  const kek = keys.kek!
  const kekOutcome = await restoreFromBackup(vault, 'key', kekVault, kek, kek.backup, settings.recoverDeleted)
  // The backup's version, the one the BEK was wrapped with, in kek-vault, without a port.
  const kekUrl = objectUrl('key', kekVault, kek)
  if (kekOutcome !== 'reused') written.push(`the KEK ${kekUrl} (${kekOutcome})`)
  core.info(`KEK ${kekUrl}: ${kekOutcome}`)
  const tags = buildTags({
    osType,
    secretName: keys.secret.name,
    algorithm: settings.algorithm,
    kekUrl,
    extra: settings.machineName ? [['MachineName', settings.machineName]] : []
  })
  const plan: SecretPlan = {
    vault,
    ref: keyVault,
    secret: keys.secret,
    value: keys.wrappedValue!,
    tags,
    ifExists: settings.ifExists,
    recoverDeleted: settings.recoverDeleted
  }
  const existing = await existingSecret(plan)
  // Judged before verifying: an existing secret that differs fails whatever the unwrap says.
  const reused = existing ? judgeExisting(plan, existing) : undefined
  const fileName = osType === 'linux' ? LINUX_KEY_FILE_NAME : `${keys.secret.name}.BEK`
  if (settings.verify) await verifyBeforeStoring(vault, kekUrl, plan.value, settings.algorithm, { osType, fileName })
  const secret: SecretOutcome = reused ?? (await storeBek(plan))
  if (secret.outcome !== 'reused') written.push(`the secret ${secret.url} (${secret.outcome})`)
  return {
    kekUrl,
    kekOutcome,
    secretUrl: secret.url,
    secretOutcome: secret.outcome,
    verified: settings.verify
      ? `before storing, the vault unwrapped the backup's wrapped BEK with ${kekUrl} and ${settings.algorithm} to ${osType === 'windows' ? `the BitLocker startup key ${fileName}` : 'a non-empty key'}.`
      : 'skipped (verify: false).',
    osType
  }
}

async function withoutKek(
  settings: RestoreSettings,
  osType: OsType,
  keys: BackupKeys,
  vault: Vault,
  keyVault: VaultRef,
  written: string[]
): Promise<Omit<Restored, 'vaultId' | 'kekVaultId'>> {
  const outcome = await restoreFromBackup(vault, 'secret', keyVault, keys.secret, keys.secretBackup!, settings.recoverDeleted)
  const secretUrl = objectUrl('secret', keyVault, keys.secret)
  if (outcome !== 'reused') written.push(`the secret ${secretUrl} (${outcome})`)
  else if (settings.ifExists === 'fail') {
    throw new ActionableError(
      `Secret '${keys.secret.name}' already holds the backup's version in ${keyVault.name} (${secretUrl}): it is already restored. Re-run with if-exists: reuse to use it.`
    )
  }
  if (settings.verify) await verifyRestoredSecret(vault, secretUrl, osType, `${keys.secret.name}.BEK`)
  return {
    secretUrl,
    secretOutcome: outcome,
    verified: settings.verify
      ? `the restored secret was read back: content type BEK, ${osType === 'windows' ? 'a BitLocker startup key' : 'a non-empty key'}.`
      : 'skipped (verify: false).',
    osType
  }
}

/** The vaults' resource IDs, after ADE's checks on them (disk encryption, soft delete, region…): an error fails the step, a warning is shown. */
async function checkedVaultIds(settings: RestoreSettings, session: Session, keyVault: VaultRef, kekVault: VaultRef, withKek: boolean) {
  const arm = new ArmClient(session.credential, settings.cloud, session.connections)
  const subscriptionId = settings.arm!.subscriptionId
  const vaultId = settings.arm!.vaultId ?? (await findVaultId(arm, subscriptionId, keyVault.name))
  const sameVault = kekVault.name === keyVault.name
  const kekVaultId = sameVault ? vaultId : await findVaultId(arm, subscriptionId, kekVault.name)
  const [vaultResource, kekVaultResource] = await Promise.all([readVault(arm, vaultId), sameVault ? undefined : readVault(arm, kekVaultId)])
  const checks = vaultChecks({
    vault: vaultResource,
    kekVault: kekVaultResource ?? vaultResource,
    vaultName: keyVault.name,
    kekVaultName: kekVault.name,
    ...(settings.location ? { location: settings.location } : {})
  })
  for (const check of checks.filter((c) => c.level === 'warning')) core.warning(untrusted(check.message, 1000))
  const errors = checks.filter((c) => c.level === 'error')
  if (errors.length > 0) {
    throw new ActionableError(`Nothing was restored: ${errors.map((c) => c.message).join(' ')}`)
  }
  return { vaultId, ...(withKek ? { kekVaultId } : {}) }
}
