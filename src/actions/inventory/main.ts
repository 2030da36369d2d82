/**
 * The inventory: list every secret of key-vault, keep the wrapped BEKs, list each one's
 * versions, read each KEK version they name once, then say which BEKs a reboot would strand.
 * It writes nothing.
 */
import * as core from '@actions/core'
import type { Session } from '../../runner/session.ts'
import { summaryNotWritten } from '../../runner/summary-not-written.ts'
import { CONTENT_TYPE, TAG_ALGORITHM, TAG_CREATED_BY, TAG_FILE_NAME, TAG_KEK_URL } from '../../ade/tags.ts'
import { untrusted } from '../../runner/untrusted.ts'
import type { InventorySettings } from './inputs.ts'
import { type KekReading, type KekState, type KekVersionRef, isAtRisk, parseKekVersion, readKekStates } from '../../ade/kek-state.ts'
import { inParallel } from '../../runner/pool.ts'
import {
  BEK_COLUMNS,
  type BekVersion,
  type KekVersionReport,
  bekRow,
  kekVersionReports,
  setOutputs,
  writeInventorySummary
} from './report.ts'
import { writeReportFile } from '../../runner/report-file.ts'
import { type SecretItem, listSecretVersions, listSecrets } from '../../keyvault/secret-list.ts'
import { failureFor } from './fail-on.ts'

export async function main(settings: InventorySettings, session: Session): Promise<void> {
  const vaultUrl = settings.vault.url
  core.info(`Listing the wrapped BEKs in ${vaultUrl}`)
  const latest = (await listSecrets(session.vault, vaultUrl)).filter(isWrappedBek)
  const versionLists = await inParallel(latest, settings.maxParallel, (secret) => listSecretVersions(session.vault, vaultUrl, secret.name))
  const versions = versionLists.flat().filter(isWrappedBek)

  const refs = new Map<string, KekVersionRef>()
  for (const version of versions) {
    const ref = parseKekVersion(version.tags[TAG_KEK_URL] ?? '', settings.cloud)
    if (ref) refs.set(ref.url, ref)
  }
  const kekVaults = [...new Set([vaultUrl, ...[...refs.values()].map((ref) => ref.vaultUrl)])]
  const states = await readKekStates(session.vaultFor(kekVaults), [...refs.values()], settings.maxParallel)

  const beks = versions.map((version) => bekVersion(version, settings, states)).sort(byNameThenCreated)
  const keks = kekVersionReports(beks)
  const atRisk = beks.filter((bek) => bek.enabled && isAtRisk(bek.kekState))
  keks.forEach(logKekVersion)
  setOutputs(beks, keks, atRisk.length, settings.reportFile)
  const failure = failureFor(settings.failOn, beks)
  await writeInventorySummary(vaultUrl, beks, keks, atRisk.length, failure, settings.reportFile).catch(summaryNotWritten)
  if (failure) core.setFailed(failure)
  if (settings.reportFile) {
    // A write that fails fails the step, after the rest is reported (its message says what to do).
    await writeReportFile(settings.reportFile, BEK_COLUMNS, beks.map(bekRow)).then(
      () => core.info(`Wrote the ${beks.length} BEK version(s) to ${untrusted(settings.reportFile!.path)}`),
      (error: Error) => core.setFailed(error.message)
    )
  }
}

function isWrappedBek(item: SecretItem): boolean {
  return item.contentType === CONTENT_TYPE || TAG_KEK_URL in item.tags
}

function bekVersion(item: SecretItem, settings: InventorySettings, states: ReadonlyMap<string, KekReading>): BekVersion {
  const tag = item.tags[TAG_KEK_URL] ?? ''
  const ref = parseKekVersion(tag, settings.cloud)
  if (!ref) {
    core.warning(
      `${untrusted(item.id)} names the KEK '${untrusted(tag)}', not a versioned key of a vault in ${settings.cloud.name}: ADE cannot unwrap it. Rewrap it or fix its ${TAG_KEK_URL} tag.`
    )
  }
  return {
    name: item.name,
    secretUrl: item.id,
    kekUrl: ref?.url ?? tag,
    algorithm: item.tags[TAG_ALGORITHM],
    fileName: item.tags[TAG_FILE_NAME],
    enabled: item.enabled,
    created: item.created === undefined ? undefined : new Date(item.created * 1000).toISOString(),
    createdBy: item.tags[TAG_CREATED_BY],
    kekState: (ref && states.get(ref.url)?.state) ?? 'missing',
    kekReason: ref && states.get(ref.url)?.reason
  }
}

// Stable: versions created in the same second keep the vault's order.
const byNameThenCreated = (a: BekVersion, b: BekVersion): number =>
  a.name.localeCompare(b.name) || (a.created ?? '').localeCompare(b.created ?? '')

function logKekVersion(kek: KekVersionReport): void {
  const line = `${untrusted(kek.kekUrl)}: ${kek.state}, ${kek.bekCount} enabled BEK version(s)`
  // The reason came from the vault's answer or the network: already made one printable line.
  const advice = kek.reason ? `: ${kek.reason}.` : `. ${ADVICE[kek.state]}`
  if ((isAtRisk(kek.state) || kek.state === 'expired' || kek.state === 'not-yet-valid') && kek.bekCount > 0)
    core.warning(`${line}${advice}`)
  else core.info(line)
}

const ADVICE: Readonly<Record<KekState, string>> = {
  ok: '',
  'not-current': 'Rewrap its BEKs onto the current version before disabling it.',
  disabled: 'VMs that need it cannot boot: re-enable it (az keyvault key set-attributes --enabled true) or rewrap its BEKs.',
  // Key Vault still unwraps outside the nbf/exp window; only wrap is refused ("Date-time controlled operations").
  expired:
    'It is past its expiry date: Key Vault still unwraps with it, so the disks still boot, but it can wrap no new BEK. Rotate the key, or extend its expiry (az keyvault key set-attributes --expires).',
  'not-yet-valid':
    'It is before its activation date: Key Vault still unwraps with it, so the disks still boot, but it can wrap no new BEK until then. Correct the date if it is wrong (az keyvault key set-attributes --not-before).',
  missing: 'The key version does not exist: recover the deleted key (az keyvault key recover) or restore it from a backup.',
  'no-access':
    "This identity may not read it: grant the RBAC role 'Key Vault Crypto Service Encryption User' on its vault, or the access policy 'keys: get'.",
  unknown: 'Its state could not be read: re-run the inventory.'
}
