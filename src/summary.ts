/**
 * The job summary: what was created, and ready-to-paste Bicep and PowerShell that use it.
 * Names and URLs only, never a value.
 */
import * as core from '@actions/core'
import type { Bek } from './bek.ts'
import type { Settings } from './inputs.ts'
import { untrustedHtml } from './untrusted.ts'

export interface RunReport {
  readonly settings: Settings
  readonly beks: readonly Bek[]
  readonly kekUrl?: string
  readonly warnings: readonly string[]
  readonly failure?: string
  readonly missing: readonly string[]
  /** Where key-output-file put the keys, and until when. */
  readonly keyFilesNote?: string
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
      ...beks.map((bek) =>
        [bek.name, bek.version, bek.url].map((cell) => untrustedHtml(cell)).concat(bek.reused ? 'existing, reused' : 'created')
      )
    ])
  }
  if (report.missing.length > 0) {
    summary.addRaw(
      `<p>Not created (${report.missing.length}): ${report.missing.map((name) => untrustedHtml(name)).join(', ')}. Re-run with <code>if-exists: reuse</code> to complete the rest without duplicates.</p>`,
      true
    )
  }
  if (report.keyFilesNote) summary.addRaw(`<p><strong>Key file:</strong> ${untrustedHtml(report.keyFilesNote, 2000)}</p>`, true)
  if (report.warnings.length > 0) summary.addHeading('Warnings', 3).addList(report.warnings.map((warning) => untrustedHtml(warning, 2000)))
  const first = beks[0]
  if (first) {
    summary
      .addHeading('Use it', 3)
      .addRaw('<p>Bicep, for a managed disk created from a pre-encrypted VHD:</p>', true)
      .addCodeBlock(bicepSnippet(settings, first), 'bicep')
      .addRaw('<p>PowerShell, attaching the OS disk of a VM:</p>', true)
      .addCodeBlock(powerShellSnippet(settings, first), 'powershell')
  }
  summary.addRaw('<p>Azure Disk Encryption retires on 2028-09-15; Microsoft recommends Encryption at Host for new VMs.</p>', true)
  await summary.write()
}

function bicepSnippet(settings: Settings, bek: Bek): string {
  const kekVault = vaultNameOf(bek.kekUrl)
  const sameVault = kekVault === settings.vault.name
  return [
    `resource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = { name: '${settings.vault.name}' }`,
    ...(sameVault ? [] : [`resource kekVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = { name: '${kekVault}' }`]),
    '',
    'encryptionSettingsCollection: {',
    '  enabled: true',
    "  encryptionSettingsVersion: '1.1'",
    '  encryptionSettings: [ {',
    `    diskEncryptionKey: { secretUrl: '${bek.url}', sourceVault: { id: kv.id } }`,
    `    keyEncryptionKey: { keyUrl: '${bek.kekUrl}', sourceVault: { id: ${sameVault ? 'kv' : 'kekVault'}.id } }`,
    '  } ]',
    '}'
  ].join('\n')
}

function powerShellSnippet(settings: Settings, bek: Bek): string {
  const kekVault = vaultNameOf(bek.kekUrl)
  const sameVault = kekVault === settings.vault.name
  return [
    `$kv = Get-AzKeyVault -VaultName '${settings.vault.name}'`,
    ...(sameVault ? [] : [`$kekVault = Get-AzKeyVault -VaultName '${kekVault}'`]),
    `$vm = Set-AzVMOSDisk -VM $vm -Name $osDiskName -VhdUri $vhdUri -CreateOption Attach -${settings.osType === 'linux' ? 'Linux' : 'Windows'} \``,
    `  -DiskEncryptionKeyUrl '${bek.url}' -DiskEncryptionKeyVaultId $kv.ResourceId \``,
    `  -KeyEncryptionKeyUrl '${bek.kekUrl}' -KeyEncryptionKeyVaultId ${sameVault ? '$kv' : '$kekVault'}.ResourceId`
  ].join('\n')
}

const vaultNameOf = (url: string): string => new URL(url).hostname.split('.')[0]
