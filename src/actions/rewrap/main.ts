/**
 * The rewrap: read and check the target KEK, choose the BEK secrets, and rewrap each one onto
 * the target as a new version of the same secret. A secret that fails is reported, on one
 * line with what to do, and the rest go on; the step then fails listing them. A re-run skips
 * what is already done.
 */
import * as core from '@actions/core'
import { describeError } from '../../runner/errors.ts'
import type { KekRef } from '../../keyvault/refs.ts'
import { kekUrl, readKek } from '../../ade/kek.ts'
import type { Session } from '../../runner/session.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { CONTENT_TYPE, TAG_KEK_URL } from '../../ade/tags.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'
import { inParallel } from '../../runner/pool.ts'
import { listSecrets } from '../../keyvault/secret-list.ts'
import { VaultClient } from '../../keyvault/client.ts'
import type { RewrapSettings } from './inputs.ts'
import { type RewrapReport, type Skipped, setOutputs, writeRewrapReportFile, writeRewrapSummary } from './report.ts'
import { plan } from './plan.ts'
import { type SecretRead, readToRewrap } from './read.ts'
import { RERUN, type RewrapJob, type Rewrapped, rewrap } from './rewrap-secret.ts'
import { type DryRunChecks, checkRewrap, dryRunChecks } from './dry-run.ts'
import { failureLine, finalMessage, legacyPaddingWarning, rawKeyWarning } from './messages.ts'

export async function main(settings: RewrapSettings, session: Session): Promise<void> {
  if (settings.createdByWarning) core.warning(settings.createdByWarning)
  const describe = (error: unknown): string => describeError(error, session.errorContext())
  // Old KEKs are unwrapped only in vaults the user named: no token goes to a vault a tag names.
  const kekVaults = [settings.vault.url, settings.kek.vault.url, ...settings.kekVaults.map((vault) => vault.url)]
  // The rewrap's own client, so that its advice after a refused wait or a lost write is the rewrap's.
  const vault = new VaultClient(session.credential, settings.cloud, session.connections, kekVaults, session.deadline, { rerun: RERUN })
  const target = await readKek(vault, settings.kek)
  session.pacer.useKek(target)
  core.info(`Rewrapping onto ${target.kid}${settings.dryRun ? ' (dry run: nothing is stored)' : ''}`)
  if (settings.algorithm === 'RSA1_5') core.warning(legacyPaddingWarning())
  const { names, current } =
    settings.secretNames.length > 0 ? { names: settings.secretNames, current: [] } : await candidates(vault, settings, target.kid)

  const bundles = new Map<string, SecretRead>()
  const failures: string[] = []
  await inParallel(names, settings.maxParallel, async (name) => {
    try {
      bundles.set(name, await readToRewrap(vault, settings.vault, name, target.kid))
    } catch (error) {
      failures.push(`${name}: ${describe(error)}`)
    }
  })
  const job: RewrapJob = {
    vault,
    vaultRef: settings.vault,
    cloud: settings.cloud,
    target,
    targetRef: settings.kek,
    algorithm: settings.algorithm,
    pacer: session.pacer,
    createdBy: settings.createdBy,
    kekVaults: new Set(kekVaults.map((url) => url.toLowerCase())),
    deadline: session.deadline,
    describe
  }
  const report: RewrapReport & { rewrapped: Rewrapped[]; skipped: Skipped[]; planned: Array<{ name: string; kekUrl: string }> } = {
    rewrapped: [],
    skipped: [...current],
    planned: [],
    failures
  }
  const checks = dryRunChecks()
  const notices: Notices = { legacy: [], rawKeys: [] }
  const outcomes = await inParallel(
    names.filter((name) => bundles.has(name)),
    settings.maxParallel,
    (name) => rewrapOne(job, settings, checks, name, bundles.get(name), notices)
  )
  for (const outcome of outcomes) {
    if ('failure' in outcome) failures.push(outcome.failure)
    else if ('skipped' in outcome) report.skipped.push(outcome.skipped)
    else if ('planned' in outcome) report.planned.push(outcome.planned)
    else report.rewrapped.push(outcome.rewrapped)
  }
  for (const item of report.planned) core.info(`Would rewrap ${untrusted(item.name)} (now on ${untrusted(item.kekUrl)})`)
  for (const item of report.rewrapped) core.info(`Rewrapped ${untrusted(item.name)}: ${untrusted(item.secretUrl)}`)
  if (notices.legacy.length > 0 && !settings.algorithm) core.warning(legacyPaddingWarning(notices.legacy, settings.dryRun))
  if (notices.rawKeys.length > 0) core.warning(rawKeyWarning(notices.rawKeys, settings.dryRun))
  const elsewhere = report.skipped.filter((s) => s.reason.includes('kek-vaults'))
  if (elsewhere.length > 0) {
    core.warning(
      `${elsewhere.length} secret(s) were skipped because their KEK is in a vault the inputs do not name (each in skipped, with its vault): add that vault to kek-vaults to rewrap them.`
    )
  }
  setOutputs(report, settings.reportFile)
  await writeRewrapSummary(target.kid, report, settings.dryRun, settings.reportFile).catch(summaryNotWritten)
  if (settings.reportFile) await writeRewrapReportFile(settings.reportFile, report)
  if (failures.length > 0) {
    for (const failure of failures) core.error(untrusted(failure, 2000))
    core.setFailed(finalMessage(failures.length, names.length, report, settings.dryRun))
  }
}

/** What is warned about once per run, with the secrets concerned. */
interface Notices {
  /** Kept RSA1_5. */
  readonly legacy: string[]
  /** Tagged as Windows .BEK files, holding raw keys. */
  readonly rawKeys: string[]
}

type Outcome =
  | { readonly skipped: Skipped }
  | { readonly planned: { readonly name: string; readonly kekUrl: string } }
  | { readonly rewrapped: Rewrapped }
  | { readonly failure: string }

async function rewrapOne(
  job: RewrapJob,
  settings: RewrapSettings,
  checks: DryRunChecks,
  name: string,
  read: SecretRead | undefined,
  notices: Notices
): Promise<Outcome> {
  const bundle = read?.bundle
  try {
    const step = plan(job, name, bundle, read?.disabledLatest)
    if (step.kind === 'current') return { skipped: { name, reason: `current: already on ${job.target.kid}` } }
    const oldKekUrl = step.oldKekUrl
    if (settings.fromKek && !onKey(oldKekUrl, settings.fromKek)) {
      return { skipped: { name, reason: `not on from-kek: it is on ${oldKekUrl}` } }
    }
    if (step.kind === 'elsewhere') {
      const vaultName = new URL(step.vaultUrl).hostname.split('.')[0]
      return {
        skipped: {
          name,
          reason: `its KEK ${oldKekUrl} is in ${step.vaultUrl}, which is not key-vault, the target KEK's vault or one of kek-vaults: add ${vaultName} to kek-vaults to rewrap it`
        }
      }
    }
    if ((job.algorithm ?? step.oldAlgorithm) === 'RSA1_5') notices.legacy.push(name)
    if (settings.dryRun) {
      if (await checkRewrap(job, checks, step, bundle!)) notices.rawKeys.push(name)
      return { planned: { name, kekUrl: oldKekUrl } }
    }
    const rewrapped = await rewrap(job, step, bundle!)
    if (rewrapped.rawKey) notices.rawKeys.push(name)
    return { rewrapped }
  } catch (error) {
    return { failure: failureLine(name, job.describe(error), settings.dryRun) }
  }
}

/**
 * Wrapped BEKs whose latest version is not on the target, and those whose latest is a disabled
 * version on the target (a rewrap that failed after storing), to finish them, in name order; those
 * already on it, enabled, are skipped as current (as action.yml says), without reading them again.
 */
async function candidates(
  vault: VaultClient,
  settings: RewrapSettings,
  targetKid: string
): Promise<{ names: string[]; current: Skipped[] }> {
  const secrets = (await listSecrets(vault, settings.vault.url))
    .filter((s) => s.contentType === CONTENT_TYPE || TAG_KEK_URL in s.tags)
    .sort((a, b) => a.name.localeCompare(b.name))
  const onTarget = (s: (typeof secrets)[number]): boolean =>
    parseKekVersion(s.tags[TAG_KEK_URL] ?? '', settings.cloud)?.url.toLowerCase() === targetKid.toLowerCase()
  return {
    names: secrets.filter((s) => (s.enabled ? !onTarget(s) : onTarget(s))).map((s) => s.name),
    current: secrets.filter((s) => s.enabled && onTarget(s)).map((s) => ({ name: s.name, reason: `current: already on ${targetKid}` }))
  }
}

/** A versioned KEK URL is on from-kek: that version, or any version of a version-less key. */
function onKey(kekVersionUrl: string, fromKek: KekRef): boolean {
  const key = kekUrl(fromKek).toLowerCase()
  const candidate = kekVersionUrl.toLowerCase()
  return fromKek.version ? candidate === key : candidate.startsWith(`${key}/`)
}
