/**
 * The snippets that enable Site Recovery replication of one disk with its copied keys: Azure
 * CLI, PowerShell and Bicep, every value a quoted literal of its language (the values come
 * from the vaults and Resource Manager, so they are quoted, never pasted in raw).
 */

/** The target vault's and the target KEK vault's resource IDs. */
export interface VaultIdPair {
  readonly vaultId: string
  readonly kekVaultId: string
}

export interface Snippet {
  readonly language: string
  readonly code: string
}

const powershell = (value: string): string => `'${value.replaceAll("'", "''")}'`
const bicep = (value: string): string => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
const shell = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

export function replicationSnippets(
  copy: { secretUrl: string; kekUrl: string },
  ids: VaultIdPair,
  info: Record<string, unknown>
): Snippet[] {
  const disk = { diskEncryptionInfo: info }
  return [
    {
      language: "Azure CLI (az site-recovery protected-item create: this disk's entry of --provider-details a2a.vm-managed-disks)",
      code: `# merge into the disk's entry of vm-managed-disks:\n${shell(JSON.stringify(disk))}`
    },
    {
      language: 'PowerShell',
      code:
        'New-AzRecoveryServicesAsrAzureToAzureDiskReplicationConfig -ManagedDisk -DiskId $diskId -LogStorageAccountId $cacheStorageId ' +
        '-RecoveryResourceGroupId $targetResourceGroupId -RecoveryReplicaDiskAccountType Premium_LRS -RecoveryTargetDiskAccountType Premium_LRS `\n' +
        `  -DiskEncryptionVaultId ${powershell(ids.vaultId)} -DiskEncryptionSecretUrl ${powershell(copy.secretUrl)} \`\n` +
        `  -KeyEncryptionKeyUrl ${powershell(copy.kekUrl)} -KeyEncryptionVaultId ${powershell(ids.kekVaultId)}`
    },
    {
      language: 'Bicep (replicationProtectedItems: providerSpecificDetails.vmManagedDisks[])',
      code:
        'diskEncryptionInfo: {\n' +
        `  diskEncryptionKeyInfo: {\n    secretIdentifier: ${bicep(copy.secretUrl)}\n    keyVaultResourceArmId: ${bicep(ids.vaultId)}\n  }\n` +
        `  keyEncryptionKeyInfo: {\n    keyIdentifier: ${bicep(copy.kekUrl)}\n    keyVaultResourceArmId: ${bicep(ids.kekVaultId)}\n  }\n}`
    }
  ]
}
