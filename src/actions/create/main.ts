/**
 * The root action's story, once its first connections are opening (action.ts): name the
 * secrets, check the vaults through Resource Manager while the KEK is read, make each BEK
 * (generate, have the vault wrap it, store it as the secret ADE reads), then publish the
 * outputs, the key hand-off and the summary.
 */
import * as core from '@actions/core'
import { enforceVaultChecks, startArmRead, writeVaultChecks } from '../../arm/read.ts'
import { batchFailureAdvice, makeBeks } from './batch.ts'
import { setOutputs } from './outputs.ts'
import { bekVaultIds } from './vault-ids.ts'
import { type ErrorContext, describeError } from '../../runner/errors.ts'
import type { Session } from '../../runner/session.ts'
import { type CheckedSettings, type Settings, nameSecrets } from './inputs.ts'
import type { VaultCheckRequest } from '../../arm/index.ts'
import { type Kek, kekUrl, kekWarnings, readKek } from '../../ade/kek.ts'
import { KeyHandoff } from '../../handoff/write.ts'
import { writeSummary } from './summary.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { Warnings, inputWarnings } from './warnings.ts'

export async function main(checked: CheckedSettings, session: Session): Promise<void> {
  const { warn, all: warnings } = new Warnings()
  const settings = nameSecrets(checked)
  inputWarnings(settings).forEach(warn)
  const { vault, pacer, deadline } = session
  // The vault resources are read while the sign-in and the KEK read go on; the wrap waits for their checks.
  const armRead = startArmRead(session, vaultCheckRequest(settings))
  if (settings.dryRun) {
    const { dryRun } = await import('./dry-run.ts')
    await dryRun({ session, settings, armRead, warn, warnings })
    return
  }
  const armChecked = armRead && enforceVaultChecks(armRead, warn)
  armChecked?.catch(() => undefined)

  core.info(
    `Reading the KEK ${untrusted(kekUrl(settings.kek))}; making ${wrappedBeks(settings.secretNames.length)} in ${untrusted(settings.vault.url)}`
  )
  let kek: Kek | undefined
  const kekRead = readKek(vault, settings.kek).then((checked) => {
    kek = checked
    pacer.useKek(checked)
    core.info(`KEK: ${untrusted(checked.kid)} (${untrusted(checked.kty)} ${checked.bits}-bit)`)
    kekWarnings(checked, settings.osType).forEach(warn)
    return checked
  })
  // Every BEK awaits it, but maybe not before it fails (a BEK may first check its name).
  kekRead.catch(() => undefined)
  const kekUrlNow = (): string => kek?.kid ?? kekUrl(settings.kek)
  const handoff = settings.keyOutput && new KeyHandoff(settings.keyOutput)
  const job = { vault, settings, kek: kekRead, kekUrlNow, pacer, handoff, warn, beforeWrap: armChecked }
  const result = await makeBeks(job, settings.secretNames, settings.maxParallel, deadline.race)
  const arm = armChecked && (await settle(deadline.race(armChecked)))

  const vaultIds = arm?.value && (await bekVaultIds(result.beks, arm.value, settings, warn))
  setOutputs(result.beks, vaultIds)
  const handoffNote = handoff?.publish()
  const failure = describeFailure([arm?.error, result.error], session.errorContext())
  if (armRead) await writeVaultChecks(armRead)
  const report = { settings, beks: result.beks, kekUrl: kek?.kid, warnings, failure, missing: result.missing, handoffNote, vaultIds }
  // The summary is a convenience: failing to write it must not change, or hide, the outcome.
  await writeSummary(report).catch(summaryNotWritten)
  if (failure) core.setFailed(`${failure}${batchFailureAdvice(settings, result.beks.length)}`)
}

/** The vault checks' failure, or a BEK's; when both failed differently, the other is reported too. */
function describeFailure(errors: readonly unknown[], context: ErrorContext): string | undefined {
  const [first, ...others] = [...new Set(errors.filter((error) => error !== undefined))]
  if (first === undefined) return undefined
  others.forEach((other) => core.error(describeError(other, context)))
  return describeError(first, context)
}

async function settle<T>(work: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await work }
  } catch (error) {
    return { error: error ?? new Error('failed') }
  }
}

const wrappedBeks = (count: number): string => (count === 1 ? '1 wrapped BEK' : `${count} wrapped BEKs`)

/** The vault checks this run needs, when it reads its vaults through Resource Manager. */
function vaultCheckRequest(settings: Settings): VaultCheckRequest | undefined {
  const { arm, cloud, vault, kek, location, verify, secretNamesMayExist } = settings
  if (!arm) return undefined
  return { arm, cloud, vault, kekVault: kek.vault, location, unwraps: verify, readsSecrets: secretNamesMayExist }
}
