/**
 * restore-keys' outputs and job summary: what was restored or reused, the verification, and the
 * next step, creating the VM from the restored disks with these keys (Bicep and PowerShell,
 * every value a quoted literal of its language). Values are this run's URLs and IDs; the
 * summary escapes them all the same.
 */
import * as core from '@actions/core'
import { encryptionSettings } from '../../ade/encryption-settings.ts'
import { bicepString, powerShellString } from '../../ade/snippet-strings.ts'
import { escapeHtml, untrustedHtml } from '../../runner/untrusted.ts'

export interface Restored {
  readonly kekUrl?: string
  readonly kekOutcome?: 'reused' | 'restored' | 'recovered'
  readonly secretUrl: string
  readonly secretOutcome: 'stored' | 'reused' | 'recovered' | 'restored'
  readonly verified: string
  readonly osType: string
  readonly vaultId?: string
  readonly kekVaultId?: string
}

/** The root action's encryption-settings; without a KEK, the diskEncryptionKey alone (ADE's BEK-only form). */
export function encryptionSettingsOf(r: Restored): string | undefined {
  if (!r.vaultId) return undefined
  if (r.kekUrl)
    return r.kekVaultId ? encryptionSettings(r.secretUrl, r.kekUrl, { vaultId: r.vaultId, kekVaultId: r.kekVaultId }) : undefined
  return JSON.stringify({ diskEncryptionKey: { secretUrl: r.secretUrl, sourceVault: { id: r.vaultId } } })
}

export function setOutputs(r: Restored): void {
  core.setOutput('kek-url', r.kekUrl ?? '')
  core.setOutput('secret-url', r.secretUrl)
  core.setOutput('kek-restored', String(r.kekOutcome === 'restored' || r.kekOutcome === 'recovered'))
  core.setOutput('secret-restored', String(r.secretOutcome !== 'reused'))
  if (r.vaultId) core.setOutput('key-vault-id', r.vaultId)
  if (r.kekVaultId) core.setOutput('kek-vault-id', r.kekVaultId)
  const settings = encryptionSettingsOf(r)
  if (settings) core.setOutput('encryption-settings', settings)
}

const WORDS = {
  reused: 'reused (already there)',
  restored: 'restored by this run',
  recovered: 'recovered from soft delete by this run',
  stored: 'stored by this run'
}
const ps = powerShellString
const bicep = bicepString

export async function writeSummary(r: Restored): Promise<void> {
  const rows = [
    ...(r.kekUrl ? [['KEK', r.kekUrl, WORDS[r.kekOutcome ?? 'reused']]] : []),
    ['BEK secret', r.secretUrl, WORDS[r.secretOutcome]]
  ]
  const vaultId = r.vaultId ?? '<key-vault resource ID>'
  const kekVaultId = r.kekVaultId ?? '<kek-vault resource ID>'
  const windows = r.osType === 'windows'
  const powershell = [
    "$vm = New-AzVMConfig -VMName '<vm>' -VMSize '<size>'",
    `$vm = Set-AzVMOSDisk -VM $vm -ManagedDiskId '<restored OS disk ID>' -CreateOption Attach ${windows ? '-Windows' : '-Linux'} \``,
    `  -DiskEncryptionKeyUrl ${ps(r.secretUrl)} -DiskEncryptionKeyVaultId ${ps(vaultId)}${r.kekUrl ? ' `' : ''}`,
    ...(r.kekUrl ? [`  -KeyEncryptionKeyUrl ${ps(r.kekUrl)} -KeyEncryptionKeyVaultId ${ps(kekVaultId)}`] : []),
    "New-AzVM -ResourceGroupName '<group>' -Location '<region>' -VM $vm"
  ].join('\n')
  const bicepText = [
    'osDisk: {',
    "  createOption: 'Attach'",
    `  osType: '${windows ? 'Windows' : 'Linux'}'`,
    "  managedDisk: { id: '<restored OS disk ID>' }",
    '  encryptionSettings: {',
    '    enabled: true',
    `    diskEncryptionKey: { secretUrl: ${bicep(r.secretUrl)}, sourceVault: { id: ${bicep(vaultId)} } }`,
    ...(r.kekUrl ? [`    keyEncryptionKey: { keyUrl: ${bicep(r.kekUrl)}, sourceVault: { id: ${bicep(kekVaultId)} } }`] : []),
    '  }',
    '}'
  ].join('\n')
  await core.summary
    .addHeading('ADE keys restored from Azure Backup', 2)
    .addTable([
      ['', 'Identifier', 'Outcome'].map((data) => ({ data, header: true })),
      ...rows.map(([what, url, outcome]) => [escapeHtml(what!), untrustedHtml(url), escapeHtml(outcome!)])
    ])
    .addRaw(`<p>Verification: ${escapeHtml(r.verified)}</p>`, true)
    .addHeading('Next step: create the VM from the restored disks', 3)
    .addRaw('<p>The keys are in place: attach the restored OS disk with these encryption settings.</p>', true)
    .addCodeBlock(escapeHtml(powershell), 'powershell')
    .addCodeBlock(escapeHtml(bicepText), 'bicep')
    .write()
}
