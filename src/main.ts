/**
 * The whole step: read the inputs, sign in, read and check the KEK, make each BEK (generate,
 * have the vault wrap, store as an ADE secret), then publish outputs and a summary.
 */
import * as core from '@actions/core'
import { batchFailureAdvice, makeBeks } from './batch.ts'
import { type VaultIds, encryptionSettings } from './encryption-settings.ts'
import { bekVaultIds } from './bek-vault-ids.ts'
import type { Bek } from './bek.ts'
import type { Connections } from './connections.ts'
import { type ErrorContext, describeError } from './errors.ts'
import { readInputs } from './read-inputs.ts'
import { type Settings, getSettings } from './inputs.ts'
import { type Kek, kekUrl, kekWarnings, readKek } from './kek.ts'
import { KeyFiles } from './key-output.ts'
import { openSession } from './session.ts'
import { enforceVaultChecks, startArmRead, writeVaultChecks } from './arm-read.ts'
import type { StepDeadline } from './step-deadline.ts'
import { writeSummary } from './summary.ts'
import { summaryNotWritten } from './summary-not-written.ts'
import { untrusted } from './untrusted.ts'

export async function run(): Promise<void> {
  const settings = readInputs(getSettings)
  if (!settings) return
  const warnings: string[] = []
  const warn = (message: string): void => {
    warnings.push(message)
    core.warning(message)
  }
  let errorContext = (): ErrorContext => ({})
  let kek: Kek | undefined
  let deadline: StepDeadline | undefined
  try {
    initialWarnings(settings).forEach(warn)
    const session = openSession(settings, [settings.vault.url, settings.kek.vault.url], (connections) => preconnect(connections, settings))
    errorContext = session.errorContext
    const { vault, pacer } = session
    deadline = session.deadline
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
    const result = await makeBeks(job, settings.secretNames, settings.maxParallel, session.deadline.race)
    const arm = armChecked && (await settle(session.deadline.race(armChecked)))

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
    settings.keyFile?.bytes.fill(0)
    deadline?.end()
    // Past the deadline, a library's retry timer may still be pending; the step has reported.
    if (deadline?.expired) setTimeout(() => process.exit(), 1000).unref()
  }
}

/**
 * Opens the connections to Key Vault the run will need while the OIDC token is being fetched
 * (the session opens the one to Entra ID): one for each request the first BEK sends at once: KEK read and wrap, and the name
 * check when it runs alongside them.
 */
function preconnect(connections: Connections, settings: Settings): void {
  const vaultHost = new URL(settings.vault.url).hostname
  const kekHost = new URL(settings.kek.vault.url).hostname
  const nameChecks = settings.secretNamesMayExist && settings.ifExists !== 'reuse' ? 1 : 0
  if (settings.arm) {
    connections.preconnect(new URL(settings.cloud.armEndpoint).hostname, 2)
    // The ARM token is asked for alongside the Key Vault one.
    if (settings.auth.kind === 'oidc') connections.preconnect(new URL(settings.cloud.authorityHost).hostname)
  }
  if (kekHost === vaultHost) connections.preconnect(vaultHost, 2 + nameChecks)
  else {
    connections.preconnect(kekHost, 2)
    connections.preconnect(vaultHost)
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

function initialWarnings(settings: Settings): string[] {
  const warnings: string[] = []
  if (settings.algorithm === 'RSA1_5') warnings.push('RSA1_5 uses legacy PKCS#1 v1.5 padding; prefer RSA-OAEP or RSA-OAEP-256.')
  if (settings.osType === 'windows' && !settings.keyFile) {
    warnings.push(
      'os-type is windows but the key is a raw generated key, not a BitLocker startup key (.BEK) file: BitLocker cannot unlock a volume with it. ' +
        'To register an existing BitLocker key, pass its file as key-file: <GUID>.BEK.'
    )
  }
  return warnings
}

function setOutputs(beks: readonly Bek[], ids: VaultIds | undefined): void {
  core.setOutput(
    'secrets',
    JSON.stringify(
      beks.map((bek) => ({
        name: bek.name,
        'secret-url': bek.url,
        'secret-version': bek.version,
        'kek-url': bek.kekUrl,
        ...(ids ? { 'encryption-settings': encryptionSettings(bek.url, bek.kekUrl, ids) } : {})
      }))
    )
  )
  if (ids) {
    core.setOutput('key-vault-id', ids.vaultId)
    core.setOutput('kek-vault-id', ids.kekVaultId)
  }
  if (beks.length !== 1) return
  const [bek] = beks
  const settings = ids && encryptionSettings(bek.url, bek.kekUrl, ids)
  if (settings) core.setOutput('encryption-settings', settings)
  core.setOutput('secret-url', bek.url)
  core.setOutput('kek-url', bek.kekUrl)
  core.setOutput('secret-name', bek.name)
  core.setOutput('secret-version', bek.version)
}

const wrappedBeks = (count: number): string => (count === 1 ? '1 wrapped BEK' : `${count} wrapped BEKs`)
