/**
 * The estate: read every subscription through Resource Manager's lists, then each distinct
 * secret and KEK version the disks' settings name (and, with probe: unwrap, have the vault
 * unwrap each secret version as ADE will at boot), judge every disk, VM and KEK version, and
 * report. A subscription or vault that refuses (403) is reported with the role it needs, and
 * the rest is still read. It writes nothing, anywhere.
 */
import * as core from '@actions/core'
import { ArmClient, ArmError, describeArmError } from '../../arm/client.ts'
import { ArmPacer } from '../../arm/list.ts'
import { ActionableError } from '../../runner/actionable-error.ts'
import type { Session } from '../../runner/session.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { inParallel } from '../../runner/pool.ts'
import { type Estate, judgeEstate } from './analysis.ts'
import type { EstateSettings } from './inputs.ts'
import { type KeyRef, checkKeys } from './keys.ts'
import { type SubscriptionEstate, readSubscription } from './read.ts'
import { writeReportDocument } from '../../runner/report-file.ts'
import { type Counts, REPORT_COLUMNS, countsOf, reportOf, setCounts, setOutputs } from './report.ts'
import { type Unreadable, adviceFor, writeEstateSummary } from './summary.ts'

export async function main(settings: EstateSettings, session: Session): Promise<void> {
  const client = new ArmClient(session.credential, settings.cloud, session.connections)
  const pacer = new ArmPacer(settings.maxParallel)
  const unreadable: Unreadable[] = []
  core.info(`Reading ${settings.subscriptionIds.length} subscription(s) through Azure Resource Manager`)
  const reads = await inParallel(settings.subscriptionIds, settings.maxParallel, async (id): Promise<SubscriptionEstate | undefined> => {
    try {
      return await readSubscription(client, pacer, id, settings.resourceGroups)
    } catch (error) {
      if (!(error instanceof ArmError)) throw error
      if (![401, 403, 404].includes(error.status)) {
        const advice =
          error.status === 429
            ? 'Resource Manager kept throttling after the retries: lower max-parallel, or split the subscriptions over jobs (a matrix).'
            : 'Re-run the step; if it persists, check the Azure status page (https://azure.status.microsoft).'
        throw new ActionableError(`Reading subscription ${id} failed: ${describeArmError(error)}. ${advice}`, { cause: error })
      }
      const item = {
        scope: `/subscriptions/${id}`,
        role: 'Reader',
        detail: `${describeArmError(error)} Grant the identity Reader on the subscription: az role assignment create --assignee <client-id> --role Reader --scope /subscriptions/${id}`
      }
      unreadable.push(item)
      core.warning(`Subscription ${id} could not be read: ${item.detail}`)
      return undefined
    }
  })
  const read = reads.filter((r): r is SubscriptionEstate => r !== undefined)

  if (settings.probe !== 'none')
    core.info(`Reading each secret and KEK version the disks name${settings.probe === 'unwrap' ? ', and unwrapping each secret' : ''}`)
  const findings = await checkKeys((urls) => session.vaultFor(urls), settings.cloud, keyRefs(read), settings.probe, settings.maxParallel)
  for (const denied of findings.denied) {
    const detail =
      `The identity may not ${denied.permission} in ${denied.vaultUrl}: grant it the RBAC role '${denied.role}' on the vault ` +
      `(or the access policy '${denied.permission.replace(' ', ': ')}'). Key Vault said: ${untrusted(denied.reason, 300)}`
    unreadable.push({ scope: denied.vaultUrl, role: denied.role, detail })
    core.warning(detail)
  }

  const estate = judgeEstate(read, findings, settings.probe, settings.cloud)
  const counts = countsOf(estate, unreadable.filter((u) => u.scope.startsWith('/subscriptions/')).length)
  setCounts(counts)
  setOutputs(estate, settings.reportFile)
  if (settings.reportFile) {
    const { document, rows } = reportOf(estate, counts, settings.subscriptionIds)
    await writeReportDocument(settings.reportFile, document, REPORT_COLUMNS, rows)
    core.info(`Wrote the report (${rows.length} disk(s) and snapshot(s)) to ${untrusted(settings.reportFile.path)}`)
  }
  for (const disk of estate.disks.filter((d) => d.atRisk || d.unknown)) {
    core.warning(
      `${untrusted(disk.id)}: ${disk.atRisk ? 'at risk' : 'unknown'} (secret ${disk.secret}, KEK ${disk.kek ?? 'none'}, unwrap ${disk.unwrap}). ${untrusted(adviceFor(disk), 1000)}`
    )
  }
  core.info(
    `${counts.adeVms} VM(s) and scale set(s) with ADE, ${counts.adeDisks} ADE disk(s), ${counts.atRisk} at risk, ${counts.unknown} unknown; ${counts.daysToRetirement} days to ADE's retirement.`
  )
  const failure = failureFor(settings, estate, counts)
  await writeEstateSummary(estate, counts, unreadable, failure).catch(summaryNotWritten)
  if (failure) core.setFailed(failure)
}

/** Every secret and KEK version a disk's, a snapshot's or a dual-pass VM model's settings name. */
function keyRefs(reads: readonly SubscriptionEstate[]): KeyRef[] {
  return reads.flatMap((r) => [
    ...r.disks.flatMap((d) => (d.settings ? [d.settings] : [])),
    ...r.snapshots.flatMap((s) => (s.settings ? [s.settings] : [])),
    ...r.vms.flatMap((vm) => (vm.modelSettings ? [vm.modelSettings] : []))
  ])
}

/** Why fail-on fails the step, if it does. */
function failureFor(settings: EstateSettings, estate: Estate, counts: Counts): string | undefined {
  if (settings.failOn === 'at-risk' && counts.atRisk + counts.unknown > 0) {
    const list = estate.disks
      .filter((d) => d.atRisk)
      .slice(0, 20)
      .map((d) => untrusted(d.id))
    return (
      `${counts.atRisk} disk(s) or snapshot(s) would not unlock at their next boot, attach or restore${list.length > 0 ? ` (${list.join(', ')})` : ''}, ` +
      `and ${counts.unknown} item(s) could not be read. Fix each as its warning and the job summary say, before any reboot; a gate does not pass on what it could not read.`
    )
  }
  if (settings.failOn === 'ade' && counts.adeVms + counts.adeDisks + counts.adeSnapshots > 0) {
    return (
      `${counts.adeVms} VM(s) and scale set(s), ${counts.adeDisks} disk(s) and ${counts.adeSnapshots} snapshot(s) still use ADE, ` +
      `which retires on 2028-09-15: migrate each by the path the job summary gives (vms output, migration.path).`
    )
  }
  return undefined
}
