/**
 * The summary's PowerShell: a script (Az module, after Connect-AzAccount) that makes one managed
 * disk per BEK (a `foreach` for a batch), imported from a pre-encrypted VHD, with ADE's
 * encryption settings. What the action cannot know is a parameter; every variable is set.
 */
import { powerShellString } from '../../../ade/snippet-strings.ts'
import { type DiskPlan, type SnippetVault, vaultIndex } from './disks.ts'

export function powerShellScript(plan: DiskPlan): string {
  const batch = plan.beks.length > 1
  const kekVaults = plan.beks.map((bek) => vaultIndex(plan, bek.kekUrl))
  const oneKekVault = kekVaults.every((i) => i === kekVaults[0])
  const lines = [
    batch
      ? `# One managed disk per BEK of this run (${plan.beks.length}), each imported from its pre-encrypted VHD.`
      : '# A managed disk imported from a pre-encrypted VHD, with the BEK of this run.',
    batch
      ? '# Save as disks.ps1; after Connect-AzAccount: ./disks.ps1 -ResourceGroupName <group> -VhdFolderUri <container URL> -StorageAccountId <id>'
      : '# Save as disk.ps1; after Connect-AzAccount: ./disk.ps1 -ResourceGroupName <group> -VhdUri <VHD URL> -StorageAccountId <id>',
    'param(',
    '  [Parameter(Mandatory)] [string] $ResourceGroupName,',
    ...(batch
      ? ['  # The container with the pre-encrypted VHDs: <BEK name>.vhd for each BEK.', '  [Parameter(Mandatory)] [string] $VhdFolderUri,']
      : ['  [Parameter(Mandatory)] [string] $VhdUri,']),
    `  # Resource ID of the storage account that holds the ${batch ? 'VHDs' : 'VHD'}.`,
    '  [Parameter(Mandatory)] [string] $StorageAccountId,',
    ...(batch ? [] : [`  [string] $DiskName = ${powerShellString(`${plan.beks[0].name}-os`)},`]),
    '  [string] $Location = (Get-AzResourceGroup -Name $ResourceGroupName).Location',
    ')',
    ...plan.vaults.map((vault, i) => `${variable(i)} = ${vaultId(vault)}`)
  ]
  if (!batch) {
    const [bek] = plan.beks
    lines.push(
      ...diskCommands(plan, '$VhdUri', powerShellString(bek.secretUrl), powerShellString(bek.kekUrl), variable(kekVaults[0])),
      'New-AzDisk -ResourceGroupName $ResourceGroupName -DiskName $DiskName -Disk $disk'
    )
  } else {
    const shared = plan.sharedKekUrl
    lines.push(
      ...(shared === undefined ? [] : [`$kekUrl = ${powerShellString(shared)}`]),
      '$beks = @(',
      ...plan.beks.map((bek, i) => {
        const kekUrl = shared === undefined ? `; KekUrl = ${powerShellString(bek.kekUrl)}` : ''
        const kekVault = oneKekVault ? '' : `; KekVaultId = ${variable(kekVaults[i])}`
        return `  @{ Name = ${powerShellString(bek.name)}; SecretUrl = ${powerShellString(bek.secretUrl)}${kekUrl}${kekVault} }`
      }),
      ')',
      'foreach ($bek in $beks) {',
      ...diskCommands(
        plan,
        '"$VhdFolderUri/$($bek.Name).vhd"',
        '$bek.SecretUrl',
        shared === undefined ? '$bek.KekUrl' : '$kekUrl',
        oneKekVault ? variable(kekVaults[0]) : '$bek.KekVaultId'
      ).map((line) => `  ${line}`),
      '  New-AzDisk -ResourceGroupName $ResourceGroupName -DiskName "$($bek.Name)-os" -Disk $disk',
      '}'
    )
  }
  return lines.join('\n')
}

/** PowerShell variables holding the vaults' resource IDs: the secrets' vault, then the KEKs' others. */
const variable = (i: number): string => (i === 0 ? '$keyVaultId' : i === 1 ? '$kekVaultId' : `$kekVault${i}Id`)

const vaultId = (vault: SnippetVault): string =>
  vault.id === undefined ? `(Get-AzKeyVault -VaultName ${powerShellString(vault.name)}).ResourceId` : powerShellString(vault.id)

function diskCommands(plan: DiskPlan, sourceUri: string, secretUrl: string, kekUrl: string, kekVaultId: string): string[] {
  return [
    `$disk = New-AzDiskConfig -Location $Location -SkuName Premium_LRS -OsType ${plan.osType === 'linux' ? 'Linux' : 'Windows'} -CreateOption Import \``,
    `  -SourceUri ${sourceUri} -StorageAccountId $StorageAccountId -EncryptionSettingsEnabled $true`,
    `$disk = Set-AzDiskDiskEncryptionKey -Disk $disk -SecretUrl ${secretUrl} -SourceVaultId ${variable(0)}`,
    `$disk = Set-AzDiskKeyEncryptionKey -Disk $disk -KeyUrl ${kekUrl} -SourceVaultId ${kekVaultId}`
  ]
}
