/**
 * The main action once its connections are opening (main.ts): sign in, read and check the KEK,
 * make each BEK (generate, have the vault wrap, store as an ADE secret), then publish outputs
 * and a summary.
 */
import * as core from '@actions/core'
import { enforceVaultChecks, startArmRead, writeVaultChecks } from '../../arm/read.ts'
import { batchFailureAdvice, makeBeks } from './batch.ts'
import { setOutputs } from './outputs.ts'
import { bekVaultIds } from './vault-ids.ts'
import { type ErrorContext, describeError } from '../../runner/errors.ts'
import { type CheckedSettings, nameSecrets } from './inputs.ts'
import { type Kek, kekUrl, kekWarnings, readKek } from '../../ade/kek.ts'
import { KeyFiles } from '../../handoff/write.ts'
import type { SessionStart } from '../../runner/session-start.ts'
import { sessionOn } from '../../runner/session.ts'
import { writeSummary } from './summary.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { Warnings, inputWarnings } from './warnings.ts'

export async function runBekStep(checked: CheckedSettings, start: SessionStart): Promise<void> {
  const { warn, all: warnings } = new Warnings()
  const { deadline } = start
  let errorContext = (): ErrorContext => ({})
  let kek: Kek | undefined
  try {
    const settings = nameSecrets(checked)
    inputWarnings(settings).forEach(warn)
    const session = sessionOn(start, settings, [settings.vault.url, settings.kek.vault.url])
    errorContext = session.errorContext
    const { vault, pacer } = session
    // The vault resources are read while the sign-in and the KEK read go on; the wrap waits for their checks.
    const armRead = startArmRead(session, settings)
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
    const keyFiles = settings.keyOutput && new KeyFiles(settings.keyOutput)
    const job = { vault, settings, kek: kekRead, kekUrlNow, pacer, keyFiles, warn, beforeWrap: armChecked }
    const result = await makeBeks(job, settings.secretNames, settings.maxParallel, deadline.race)
    const arm = armChecked && (await settle(deadline.race(armChecked)))

    const vaultIds = arm?.value && (await bekVaultIds(result.beks, arm.value, settings, warn))
    setOutputs(result.beks, vaultIds)
    const keyFilesNote = keyFiles?.publish()
    const failure = describeFailure([arm?.error, result.error], errorContext())
    if (armRead) await writeVaultChecks(armRead)
    const report = {
      settings,
      beks: result.beks,
      kekUrl: kek?.kid,
      warnings,
      failure,
      missing: result.missing,
      keyFilesNote,
      vaultIds
    }
    // The summary is a convenience: failing to write it must not change, or hide, the outcome.
    await writeSummary(report).catch(summaryNotWritten)
    if (failure) core.setFailed(`${failure}${batchFailureAdvice(settings, result.beks.length)}`)
  } catch (error) {
    core.setFailed(describeError(error, errorContext()))
  } finally {
    deadline.end()
    // Past the deadline, a library's retry timer may still be pending; the step has reported.
    if (deadline.expired) setTimeout(() => process.exit(), 1000).unref()
  }
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
