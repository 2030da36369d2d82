/**
 * The rewrap: read and check the target KEK, choose the BEK secrets, and rewrap each one onto
 * the target as a new version of the same secret. A secret that fails is reported and the
 * rest go on; the step then fails listing them. A re-run skips what is already done.
 */
import * as core from '@actions/core'
import { type ErrorContext, describeError } from '../../runner/errors.ts'
import type { KekRef } from '../../keyvault/refs.ts'
import { kekUrl, readKek } from '../../ade/kek.ts'
import { type SecretBundle, readSecret } from '../../keyvault/secrets.ts'
import type { Session } from '../../runner/session.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { CONTENT_TYPE, TAG_KEK_URL } from '../../ade/tags.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'
import { inParallel } from '../../runner/pool.ts'
import { listSecrets } from '../../keyvault/secret-list.ts'
import type { RewrapSettings } from './inputs.ts'
import { type RewrapReport, type Skipped, setOutputs, writeRewrapReportFile, writeRewrapSummary } from './report.ts'
import { type Plan, type RewrapJob, type Rewrapped, plan, rewrap } from './rewrap-secret.ts'

export async function main(settings: RewrapSettings, session: Session): Promise<void> {
  const errorContext = session.errorContext
  if (settings.createdByWarning) core.warning(settings.createdByWarning)
  const target = await readKek(session.vault, settings.kek)
  session.pacer.useKek(target)
  core.info(`Rewrapping onto ${target.kid}${settings.dryRun ? ' (dry run: nothing is wrapped or stored)' : ''}`)
  const { names, current } =
    settings.secretNames.length > 0 ? { names: settings.secretNames, current: [] } : await candidates(session.vault, settings, target.kid)

  const bundles = new Map<string, SecretBundle | undefined>()
  const failures: string[] = []
  await inParallel(names, settings.maxParallel, async (name) => {
    try {
      bundles.set(name, await readSecret(session.vault, settings.vault, name))
    } catch (error) {
      failures.push(`${name}: ${describeError(error, errorContext())}`)
    }
  })
  // Old KEK versions may live in other vaults of the cloud; only tag-named key identifiers get a token.
  const oldVaults = [...bundles.values()].flatMap((b) => {
    const ref = parseKekVersion(b?.tags?.[TAG_KEK_URL] ?? '', settings.cloud)
    return ref ? [ref.vaultUrl] : []
  })
  const job: RewrapJob = {
    vault: session.vaultFor([...new Set([settings.vault.url, settings.kek.vault.url, ...oldVaults])]),
    vaultRef: settings.vault,
    cloud: settings.cloud,
    target,
    targetRef: settings.kek,
    algorithm: settings.algorithm,
    pacer: session.pacer,
    createdBy: settings.createdBy
  }
  const report: RewrapReport & { rewrapped: Rewrapped[]; skipped: Skipped[]; planned: Array<{ name: string; kekUrl: string }> } = {
    rewrapped: [],
    skipped: [...current],
    planned: [],
    failures
  }
  const outcomes = await inParallel(
    names.filter((name) => bundles.has(name)),
    settings.maxParallel,
    (name) => rewrapOne(job, settings, name, bundles.get(name), errorContext)
  )
  for (const outcome of outcomes) {
    if ('failure' in outcome) failures.push(outcome.failure)
    else if ('skipped' in outcome) report.skipped.push(outcome.skipped)
    else if ('planned' in outcome) report.planned.push(outcome.planned)
    else report.rewrapped.push(outcome.rewrapped)
  }
  for (const item of report.planned) core.info(`Would rewrap ${untrusted(item.name)} (now on ${untrusted(item.kekUrl)})`)
  for (const item of report.rewrapped) core.info(`Rewrapped ${untrusted(item.name)}: ${untrusted(item.secretUrl)}`)
  setOutputs(report, settings.reportFile)
  await writeRewrapSummary(target.kid, report, settings.dryRun, settings.reportFile).catch(summaryNotWritten)
  if (settings.reportFile) await writeRewrapReportFile(settings.reportFile, report)
  if (failures.length > 0) {
    for (const failure of failures) core.error(untrusted(failure, 2000))
    core.setFailed(
      `${failures.length} of ${names.length} secret(s) were not rewrapped (listed above); the others were. Fix each as it says and re-run: rewrapped secrets are skipped.`
    )
  }
}

type Outcome =
  | { readonly skipped: Skipped }
  | { readonly planned: { readonly name: string; readonly kekUrl: string } }
  | { readonly rewrapped: Rewrapped }
  | { readonly failure: string }

async function rewrapOne(
  job: RewrapJob,
  settings: RewrapSettings,
  name: string,
  bundle: SecretBundle | undefined,
  errorContext: () => ErrorContext
): Promise<Outcome> {
  let step: Plan
  try {
    step = plan(job, name, bundle)
    if (step.kind === 'current') return { skipped: { name, reason: `current: already on ${job.target.kid}` } }
    if (settings.fromKek && !onKey(step.oldKekUrl, settings.fromKek)) {
      return { skipped: { name, reason: `not on from-kek: it is on ${step.oldKekUrl}` } }
    }
    if (settings.dryRun) return { planned: { name, kekUrl: step.oldKekUrl } }
    return { rewrapped: await rewrap(job, step, bundle!) }
  } catch (error) {
    return { failure: `${name}: ${describeError(error, errorContext())}` }
  }
}

/**
 * Wrapped BEKs whose latest version is not on the target, in name order; those already on it
 * are skipped as current (as action.yml says), without reading them again.
 */
async function candidates(
  vault: RewrapJob['vault'],
  settings: RewrapSettings,
  targetKid: string
): Promise<{ names: string[]; current: Skipped[] }> {
  const secrets = (await listSecrets(vault, settings.vault.url))
    .filter((s) => s.enabled && (s.contentType === CONTENT_TYPE || TAG_KEK_URL in s.tags))
    .sort((a, b) => a.name.localeCompare(b.name))
  const onTarget = (s: (typeof secrets)[number]): boolean =>
    parseKekVersion(s.tags[TAG_KEK_URL] ?? '', settings.cloud)?.url.toLowerCase() === targetKid.toLowerCase()
  return {
    names: secrets.filter((s) => !onTarget(s)).map((s) => s.name),
    current: secrets.filter(onTarget).map((s) => ({ name: s.name, reason: `current: already on ${targetKid}` }))
  }
}

/** A versioned KEK URL is on from-kek: that version, or any version of a version-less key. */
function onKey(kekVersionUrl: string, fromKek: KekRef): boolean {
  const key = kekUrl(fromKek).toLowerCase()
  const candidate = kekVersionUrl.toLowerCase()
  return fromKek.version ? candidate === key : candidate.startsWith(`${key}/`)
}
