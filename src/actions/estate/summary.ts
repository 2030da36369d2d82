/**
 * The job summary: the countdown to ADE's retirement, what could not be read, the counts per
 * migration path, the at-risk disks first with what to do for each, the KEK versions that are
 * safe to disable, then every ADE VM with its path and blockers. Ids and URLs come from Azure:
 * escaped.
 */
import * as core from '@actions/core'
import { untrustedHtml } from '../../runner/untrusted.ts'
import type { DiskReport, Estate, Path } from './analysis.ts'
import { type Counts, RETIREMENT } from './report.ts'

export interface Unreadable {
  readonly scope: string
  readonly role: string
  readonly detail: string
}

const PATHS: ReadonlyArray<readonly [Path, string]> = [
  ['dual-pass-upgrade-first', 'Upgrade to single pass first (Set-AzVMDiskEncryptionExtension -Migrate), then as below'],
  [
    'windows-decrypt-then-copy',
    'Disable ADE, wait for full decryption, copy to new disks made for upload, recreate with encryption at host'
  ],
  ['linux-os-rebuild', 'The OS disk cannot be decrypted: a new VM with encryption at host, the data copied'],
  ['linux-data-decrypt', 'Disable ADE on the data disks, then enable encryption at host'],
  ['vmss', 'A scale set: a new model with encryption at host, instances replaced'],
  ['not-ade', 'Nothing to migrate']
]

// core.summary leaves an empty cell unclosed (<td></tr>): every cell here has text, '—' for none.
const LINUX_RERUN =
  'On Ubuntu 22.04 and 24.04, do not re-run az vm encryption enable to fix a key: the re-run empties the BEK volume and the next reboot fails (azure-linux-extensions#2035).'

/** What to do for an at-risk or unknown disk, most urgent cause first. */
export function adviceFor(d: DiskReport): string {
  const kek = d.kekUrl ?? ''
  if (d.secret === 'missing')
    return `The secret version is gone: recover it (az keyvault secret recover --id ${d.secretUrl}; a deleted vault first, az keyvault recover) or restore it from a backup (az keyvault secret restore); until then the disk must not be rebooted, attached or restored.`
  if (d.secret === 'disabled') return `Re-enable the secret version: az keyvault secret set-attributes --id ${d.secretUrl} --enabled true`
  if (d.secret === 'not-a-wrapped-bek')
    return 'The secret version is not a BEK ADE can use (content type or value): restore the version the disk was encrypted with from a backup.'
  if (d.secret === 'kek-mismatch')
    return `The secret's DiskEncryptionKeyEncryptionKeyURL tag names another KEK version than the disk's settings (${kek}): point the disk at a secret version wrapped with the KEK it names.`
  if (d.kek === 'disabled') return `Re-enable the KEK version: az keyvault key set-attributes --id ${kek} --enabled true`
  if (d.kek === 'missing')
    return `The KEK version does not exist: recover the deleted key (az keyvault key recover) or restore it from a backup (az keyvault key restore).`
  if (d.kek === 'no-unwrap')
    return `The KEK version does not allow unwrapKey: az keyvault key set-attributes --id ${kek} --ops wrapKey unwrapKey`
  if (d.unwrap === 'failed')
    return `Key Vault does not unwrap the secret with ${kek}: its value was wrapped with another key. Find the key it was wrapped with (the inventory action) and point the disk at a working secret version; do not reboot first.`
  return "The identity may not read the key: grant it 'Key Vault Secrets User' and 'Key Vault Crypto Service Encryption User' on the vault (or the access policies secrets get, keys get), then run again."
}

export async function writeEstateSummary(
  estate: Estate,
  counts: Counts,
  unreadable: readonly Unreadable[],
  failure: string | undefined
): Promise<void> {
  const summary = core.summary.addHeading('ADE estate', 2)
  summary.addRaw(
    `<p><strong>${counts.daysToRetirement} days</strong> until ADE's retirement on ${RETIREMENT}: after it, ADE-encrypted disks no longer unlock at reboot.</p>`,
    true
  )
  if (failure) summary.addRaw(`<p><strong>Failed:</strong> ${untrustedHtml(failure, 4000)}</p>`, true)
  summary.addRaw(
    `<p>${counts.adeVms} VM(s) and scale set(s) with ADE, ${counts.adeDisks} ADE disk(s), ${counts.adeSnapshots} ADE snapshot(s); ` +
      `${counts.atRisk} at risk, ${counts.unknown} unknown.</p>`,
    true
  )
  if (unreadable.length > 0) {
    summary.addHeading('Not read', 3)
    summary.addTable([
      ['Scope', 'Needs', 'What happened'].map((data) => ({ data, header: true })),
      ...unreadable.map((u) => [untrustedHtml(u.scope), untrustedHtml(u.role), untrustedHtml(u.detail, 600)])
    ])
  }
  summary.addHeading('Migration paths', 3)
  summary.addTable([
    ['Path', 'VMs and scale sets', 'What it means'].map((data) => ({ data, header: true })),
    ...PATHS.map(([path, meaning]) => [path, String(estate.vms.filter((vm) => vm.path === path).length), meaning])
  ])
  const urgent = estate.disks.filter((d) => d.atRisk || d.unknown)
  if (urgent.length > 0) {
    summary.addHeading('Disks at risk (and unknown)', 3)
    summary.addTable([
      ['Disk or snapshot', 'Secret', 'KEK', 'Unwrap', 'What to do'].map((data) => ({ data, header: true })),
      ...[...urgent.filter((d) => d.atRisk), ...urgent.filter((d) => !d.atRisk)].map((d) => [
        untrustedHtml(d.id),
        d.secret ?? '—',
        d.kek ?? '—',
        d.unwrap,
        untrustedHtml(adviceFor(d), 1000)
      ])
    ])
    summary.addRaw(`<p>${LINUX_RERUN}</p>`, true)
  }
  const safe = estate.kekVersions.filter((k) => k.safeToDisable)
  summary.addHeading('KEK versions safe to disable', 3)
  summary.addRaw(
    safe.length > 0
      ? `<ul>${safe.map((k) => `<li>${untrustedHtml(k.kekUrl)} (${k.state})</li>`).join('')}</ul>`
      : '<p>None: every version of the KEKs in use is named by a disk or snapshot.</p>',
    true
  )
  const ade = estate.vms.filter((vm) => vm.path !== 'not-ade')
  if (ade.length > 0) {
    summary.addHeading('VMs and scale sets with ADE', 3)
    summary.addTable([
      ['VM', 'Pass', 'Power', 'Path', 'Blockers'].map((data) => ({ data, header: true })),
      ...ade.map((vm) => [
        untrustedHtml(vm.id),
        vm.ade?.pass ?? '—',
        untrustedHtml(vm.powerState ?? '—'),
        vm.path,
        vm.blockers.join(', ') || 'none'
      ])
    ])
  }
  await summary.write()
}
