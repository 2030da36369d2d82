/**
 * One BEK's element of ARM's `encryptionSettingsCollection.encryptionSettings[]`, the shape
 * Bicep/ARM templates, PowerShell and Terraform take, with the vaults' resource IDs.
 */
export interface VaultIds {
  readonly vaultId: string
  /** The run's own KEK vault (the kek-vault-id output). */
  readonly kekVaultId: string
  /**
   * Every vault ID known, by lower-case vault name: with if-exists: reuse a kept BEK's KEK may
   * be in another vault than the run's.
   */
  readonly byVault?: ReadonlyMap<string, string>
}

/** The vault name of a Key Vault URL (`https://<name>.vault.azure.net/...`), lower case. */
export const vaultNameOf = (url: string): string => new URL(url).hostname.split('.')[0]!.toLowerCase()

/** Undefined when the KEK's vault ID is not known (its lookup failed, and a warning said so). */
export function encryptionSettings(secretUrl: string, kekUrl: string, ids: VaultIds): string | undefined {
  const kekVaultId = ids.byVault ? ids.byVault.get(vaultNameOf(kekUrl)) : ids.kekVaultId
  if (kekVaultId === undefined) return undefined
  return JSON.stringify({
    diskEncryptionKey: { secretUrl, sourceVault: { id: ids.vaultId } },
    keyEncryptionKey: { keyUrl: kekUrl, sourceVault: { id: kekVaultId } }
  })
}
