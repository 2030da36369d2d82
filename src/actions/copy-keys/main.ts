/**
 * copy-keys: read every source (masked), read the source KEKs and the target KEK (or create it),
 * then copy each BEK to the target vault, verified before it is stored. A source that fails is
 * reported on one line with what to do, and the rest go on; the outputs are set for what was
 * done, and the step then fails listing the failures.
 */
import * as core from '@actions/core'
import { describeError } from '../../runner/errors.ts'
import type { Session } from '../../runner/session.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { inParallel } from '../../runner/pool.ts'
import { type Kek, readKek } from '../../ade/kek.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'
import { VaultPacer } from '../../keyvault/pacing.ts'
import { enforceVaultChecks, startArmRead, writeVaultChecks } from '../../arm/read.ts'
import type { CopySettings } from './inputs.ts'
import { type SourceRead, readSource } from './source.ts'
import { type KekKind, targetKek } from './target-kek.ts'
import { type CopyJob, copySecret } from './copy-secret.ts'
import { type Copied, type Skipped, armIds, setOutputs, writeCopySummary } from './report.ts'

export async function main(settings: CopySettings, session: Session): Promise<void> {
  if (settings.createdByWarning) core.warning(settings.createdByWarning)
  const describe = (error: unknown): string => describeError(error, session.errorContext())
  const { vault } = session
  const arm = startArmRead(
    session,
    settings.arm && {
      cloud: settings.cloud,
      arm: settings.arm,
      vault: settings.targetVault,
      kekVault: settings.kek.vault,
      ...(settings.location !== undefined ? { location: settings.location } : {}),
      unwraps: true,
      readsSecrets: true
    }
  )
  const allowed = new Set([...settings.items.map((i) => i.source.vault.url), settings.targetVault.url, settings.kek.vault.url])
  const pacers = new Map<string, VaultPacer>([[settings.targetVault.url, session.pacer]])
  const pacer = (url: string): VaultPacer => pacers.get(url) ?? pacers.set(url, new VaultPacer()).get(url)!

  const skipped: Skipped[] = []
  const failures: string[] = []
  const fail = (sourceUrl: string, said: string): void => {
    failures.push(`${sourceUrl}: ${said}`)
    skipped.push({ 'source-secret-url': sourceUrl, reason: `failed: ${said}` })
  }
  const reads = new Map<string, Extract<SourceRead, { kind: 'copy' }>>()
  await inParallel(settings.items, settings.maxParallel, async (item) => {
    try {
      const read = await readSource(vault, item, settings.cloud)
      if (read.kind === 'skip') skipped.push({ 'source-secret-url': item.sourceUrl, reason: read.reason })
      else if (!allowed.has(read.kekVaultUrl)) {
        fail(
          item.sourceUrl,
          `its KEK ${read.kekUrl} is in ${read.kekVaultUrl}, a vault no secret-url, target-key-vault or target KEK names, so no token goes there: copy it from that vault's own secret, or move its KEK first.`
        )
      } else reads.set(item.sourceUrl, read)
    } catch (error) {
      fail(item.sourceUrl, describe(error))
    }
  })

  // Keys get on each source KEK: the pace of each vault's unwraps, and create-kek's choice.
  const sourceKeks = new Map<string, Kek>()
  for (const kekUrl of new Set([...reads.values()].map((r) => r.kekUrl))) {
    const ref = parseKekVersion(kekUrl, settings.cloud)!
    try {
      sourceKeks.set(
        kekUrl,
        await readKek(vault, {
          vault: { name: new URL(ref.vaultUrl).hostname.split('.')[0]!, url: ref.vaultUrl },
          name: ref.name,
          version: ref.version
        })
      )
    } catch (error) {
      for (const [url, read] of reads) {
        if (read.kekUrl !== kekUrl) continue
        reads.delete(url)
        fail(url, describe(error))
      }
    }
  }
  for (const [kekUrl, kek] of sourceKeks) slowest(pacer(parseKekVersion(kekUrl, settings.cloud)!.vaultUrl), kek, sourceKeks)

  const copied: Copied[] = []
  try {
    const armResult = arm && (await enforceVaultChecks(arm, (message) => core.warning(message)))
    const target = await targetKek(vault, settings.kek, {
      createKek: settings.createKek,
      dryRun: settings.dryRun,
      sources: [...sourceKeks.values()] as KekKind[],
      sku: armResult?.sku
    })
    if (!target.kek) {
      core.info(`Dry run: ${target.wouldCreate ?? ''}; nothing was created or stored.`)
    } else {
      pacer(settings.kek.vault.url).useKek(target.kek)
      core.info(`Copying to ${settings.targetVault.url} onto ${target.kek.kid}${settings.dryRun ? ' (dry run: nothing is stored)' : ''}`)
      const job: CopyJob = {
        vault,
        targetVault: settings.targetVault,
        target: target.kek,
        targetRef: settings.kek,
        algorithm: settings.algorithm,
        ifExists: settings.ifExists,
        createdBy: settings.createdBy,
        dryRun: settings.dryRun,
        wrapChecks: new Map(),
        pacer
      }
      const ids = armResult && armIds(armResult)
      const items = settings.items.filter((item) => reads.has(item.sourceUrl))
      const results = await inParallel(items, settings.maxParallel, async (item) => {
        const read = reads.get(item.sourceUrl)!
        try {
          const result = await copySecret(job, read, item.targetName)
          return { item, read, result }
        } catch (error) {
          fail(item.sourceUrl, describe(error))
          return undefined
        }
      })
      for (const done of results) {
        if (!done) continue
        const { item, read, result } = done
        if (result.state === 'planned') {
          core.info(`Would copy ${untrusted(read.sourceSecretUrl)} to ${untrusted(item.targetName)}: every check passed.`)
          continue
        }
        core.info(`${untrusted(item.targetName)}: ${result.state} ${untrusted(result.secretUrl)} (from ${untrusted(read.sourceSecretUrl)})`)
        copied.push({
          sourceSecretUrl: read.sourceSecretUrl,
          secretUrl: result.secretUrl,
          state: result.state,
          kekUrl: target.kek.kid,
          ...(ids ? { ids } : {})
        })
      }
    }
  } catch (error) {
    // What was done is still reported before the step fails.
    finish(settings, copied, skipped, arm === undefined)
    throw error
  }
  finish(settings, copied, skipped, arm === undefined)
  if (arm) await writeVaultChecks(arm)
  await writeCopySummary(copied, skipped, settings.dryRun).catch(summaryNotWritten)
  if (failures.length > 0) {
    for (const failure of failures) core.error(untrusted(failure, 2000))
    core.setFailed(
      `${failures.length} of ${settings.items.length} secret(s) were not copied (each listed above with what to do); ${copied.length} in place. Fix each as it says and re-run with if-exists: sync.`
    )
  }
}

/** The outputs, in input order whatever order the copies finished in. */
function finish(settings: CopySettings, copied: readonly Copied[], skipped: Skipped[], noArm: boolean): void {
  if (noArm)
    core.warning(
      'No subscription-id: the copied output has no key-vault-id, kek-vault-id, encryption-settings or disk-encryption-info; set subscription-id to get what Site Recovery needs.'
    )
  // Input order, whatever order the copies finished in.
  const order = new Map(settings.items.map((item, i) => [item.sourceUrl, i]))
  skipped.sort((a, b) => order.get(a['source-secret-url'])! - order.get(b['source-secret-url'])!)
  setOutputs(copied, skipped)
}

/** A vault's key operations at the pace of its slowest source KEK. */
function slowest(vaultPacer: VaultPacer, kek: Kek, all: ReadonlyMap<string, Kek>): void {
  const inVault = [...all.values()].filter((k) => new URL(k.kid).host === new URL(kek.kid).host)
  const slow = inVault.reduce((a, b) => ((b.hsm && !a.hsm) || (b.hsm === a.hsm && b.bits > a.bits) ? b : a))
  vaultPacer.useKek(slow)
}
