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
import { type KekState, type KekVersionRef, isAtRisk, parseKekVersion, readKekStates } from '../../ade/kek-state.ts'
import { inParallel } from '../../runner/pool.ts'
import { type BekVersion, type KekVersionReport, kekVersionReports, setOutputs, writeInventorySummary } from './report.ts'
import { type SecretItem, listSecretVersions, listSecrets } from '../../keyvault/secret-list.ts'

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
  setOutputs(beks, keks, atRisk.length)
  const failure = failureFor(settings, beks, keks)
  await writeInventorySummary(vaultUrl, beks, keks, atRisk.length, failure).catch(summaryNotWritten)
  if (failure) core.setFailed(failure)
}

function isWrappedBek(item: SecretItem): boolean {
  return item.contentType === CONTENT_TYPE || TAG_KEK_URL in item.tags
}

function bekVersion(item: SecretItem, settings: InventorySettings, states: ReadonlyMap<string, KekState>): BekVersion {
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
    kekState: (ref && states.get(ref.url)) ?? 'missing'
  }
}

// Stable: versions created in the same second keep the vault's order.
const byNameThenCreated = (a: BekVersion, b: BekVersion): number =>
  a.name.localeCompare(b.name) || (a.created ?? '').localeCompare(b.created ?? '')

function logKekVersion(kek: KekVersionReport): void {
  const line = `${untrusted(kek.kekUrl)}: ${kek.state}, ${kek.bekCount} enabled BEK version(s)`
  if (isAtRisk(kek.state) && kek.bekCount > 0) core.warning(`${line}. ${ADVICE[kek.state]}`)
  else core.info(line)
}

const ADVICE: Readonly<Record<KekState, string>> = {
  ok: '',
  'not-current': 'Rewrap its BEKs onto the current version before disabling it.',
  disabled: 'VMs that need it cannot boot: re-enable it (az keyvault key set-attributes --enabled true) or rewrap its BEKs.',
  expired: 'Key Vault no longer unwraps with it: extend its expiry (az keyvault key set-attributes --expires) or rewrap its BEKs.',
  'not-yet-valid': 'Key Vault will not unwrap with it yet: correct its activation date (az keyvault key set-attributes --not-before).',
  missing: 'The key version does not exist: recover the deleted key (az keyvault key recover) or restore it from a backup.',
  'no-access':
    "This identity may not read it: grant the RBAC role 'Key Vault Crypto Service Encryption User' on its vault, or the access policy 'keys: get'."
}

/** Why fail-on fails the step, if it does. */
function failureFor(settings: InventorySettings, beks: readonly BekVersion[], keks: readonly KekVersionReport[]): string | undefined {
  if (settings.failOn === 'never') return undefined
  const failing = (state: KekState): boolean => (settings.failOn === 'at-risk' ? isAtRisk(state) : state !== 'ok')
  const bad = keks.filter((kek) => kek.bekCount > 0 && failing(kek.state))
  if (bad.length === 0) return undefined
  const count = beks.filter((bek) => bek.enabled && failing(bek.kekState)).length
  const list = bad.map((kek) => `${untrusted(kek.kekUrl)} (${kek.state})`).join(', ')
  return settings.failOn === 'at-risk'
    ? `${count} enabled BEK version(s) depend on KEK versions that ADE cannot unwrap with at the next boot: ${list}. Fix each version as its warning says, or rewrap the BEKs onto a working version and point the disks at the new secret versions.`
    : `${count} enabled BEK version(s) depend on KEK versions that are not their key's current, working version: ${list}. Rewrap them (the rewrap action) and point the disks at the new secret versions; only then disable the old key versions.`
}
