/**
 * The job summary: what was created, and ready-to-paste Bicep and PowerShell that use it
 * (src/snippets/ writes them).
 * Names and URLs only, never a value.
 */
import * as core from '@actions/core'
import type { Bek } from './bek.ts'
import type { Settings } from './inputs.ts'
import type { VaultIds } from '../../ade/encryption-settings.ts'
import { bicepFile } from './snippets/bicep.ts'
import { diskPlan } from './snippets/disks.ts'
import { powerShellScript } from './snippets/powershell.ts'
import { escapeHtml, untrustedHtml } from '../../runner/untrusted.ts'

export interface RunReport {
  readonly settings: Settings
  readonly beks: readonly Bek[]
  readonly kekUrl?: string
  readonly warnings: readonly string[]
  readonly failure?: string
  readonly missing: readonly string[]
  /** Where key-output-file put the keys, and until when. */
  readonly handoffNote?: string
  /** The vaults' resource IDs, when the run read them through ARM. */
  readonly vaultIds?: VaultIds
}

export async function writeSummary(report: RunReport): Promise<void> {
  const { settings, beks } = report
  const summary = core.summary.addHeading(report.failure ? 'Wrapped BEKs: failed' : 'Wrapped BEK for Azure Disk Encryption', 2)
  if (report.failure) summary.addRaw(`<p><strong>Failed:</strong> ${untrustedHtml(report.failure, 4000)}</p>`, true)
  summary.addTable([
    [
      { data: 'Vault', header: true },
      { data: 'KEK (versioned)', header: true },
      { data: 'Algorithm', header: true },
      { data: 'OS type', header: true }
    ],
    [settings.vault.url, report.kekUrl ?? 'not resolved', settings.algorithm, settings.osType].map((cell) => untrustedHtml(cell))
  ])
  if (beks.length > 0) {
    summary.addHeading(`Secrets (${beks.length})`, 3).addTable([
      [
        { data: 'Name', header: true },
        { data: 'Version', header: true },
        { data: 'Secret URL', header: true },
        { data: 'Status', header: true }
      ],
      ...beks.map((bek) => [bek.name, bek.version, bek.url].map((cell) => untrustedHtml(cell)).concat(status(bek, settings.verify)))
    ])
  }
  if (report.missing.length > 0) {
    summary.addRaw(
      `<p>Not created (${report.missing.length}): ${report.missing.map((name) => untrustedHtml(name)).join(', ')}. Re-run with <code>if-exists: reuse</code> to complete the rest without duplicates.</p>`,
      true
    )
  }
  if (report.handoffNote) summary.addRaw(`<p><strong>Key file:</strong> ${untrustedHtml(report.handoffNote, 2000)}</p>`, true)
  if (report.warnings.length > 0) summary.addHeading('Warnings', 3).addList(report.warnings.map((warning) => untrustedHtml(warning, 2000)))
  if (beks.length > 0) {
    const plan = diskPlan(
      settings.osType,
      settings.vault.name,
      beks.map((bek) => ({ name: bek.name, secretUrl: bek.url, kekUrl: bek.kekUrl })),
      knownVaultIds(settings, report.vaultIds)
    )
    const what = beks.length === 1 ? 'a managed disk' : `one managed disk for each of the ${beks.length} BEKs`
    summary
      .addHeading('Use it', 3)
      .addRaw(`<p>Bicep: ${what}, imported from a pre-encrypted VHD, with these encryption settings:</p>`, true)
      .addCodeBlock(escapeHtml(bicepFile(plan)), 'bicep')
      .addRaw(`<p>PowerShell (Az module), the same:</p>`, true)
      .addCodeBlock(escapeHtml(powerShellScript(plan)), 'powershell')
  }
  summary.addRaw('<p>Azure Disk Encryption retires on 2028-09-15; Microsoft recommends Encryption at Host for new VMs.</p>', true)
  await summary.write()
}

/** The vaults' resource IDs, when the run read them through ARM; the snippets look the others up by name. */
function knownVaultIds(settings: Settings, ids: VaultIds | undefined): ReadonlyMap<string, string> {
  if (!ids) return new Map()
  // The secrets' vault as given; every KEK vault as its URL names it (lower case).
  if (ids.byVault) return new Map([...ids.byVault, [settings.vault.name, ids.vaultId]])
  return new Map([
    [settings.vault.name, ids.vaultId],
    [settings.kek.vault.name, ids.kekVaultId]
  ])
}

/** With verify: true every BEK listed passed it: a BEK that fails is not in the list. */
const status = (bek: Bek, verified: boolean): string =>
  `${bek.reused ? 'existing, reused' : 'created'}${verified ? ', verified (the vault unwraps it)' : ''}`
