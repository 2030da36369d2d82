/**
 * One BEK's element of ARM's `encryptionSettingsCollection.encryptionSettings[]`, the shape
 * Bicep/ARM templates, PowerShell and Terraform take, with the vaults' resource IDs.
 */
export interface VaultIds {
  readonly vaultId: string
  readonly kekVaultId: string
}

export function encryptionSettings(secretUrl: string, kekUrl: string, ids: VaultIds): string {
  return JSON.stringify({
    diskEncryptionKey: { secretUrl, sourceVault: { id: ids.vaultId } },
    keyEncryptionKey: { keyUrl: kekUrl, sourceVault: { id: ids.kekVaultId } }
  })
}
