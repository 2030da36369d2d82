/**
 * ARM resource IDs of key vaults, `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>`,
 * matched without regard to case, as ARM matches them.
 */
export interface VaultResourceId {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly name: string
}

const PATTERN =
  /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)\/?$/i

export function isResourceIdLike(text: string): boolean {
  return text.startsWith('/')
}

/** The parts of a vault resource ID, or undefined when `text` is not one. */
export function parseVaultResourceId(text: string): VaultResourceId | undefined {
  const m = PATTERN.exec(text)
  return m ? { subscriptionId: m[1]!.toLowerCase(), resourceGroup: m[2]!, name: m[3]! } : undefined
}

export function vaultResourcePath(id: VaultResourceId): string {
  return `/subscriptions/${id.subscriptionId}/resourceGroups/${id.resourceGroup}/providers/Microsoft.KeyVault/vaults/${id.name}`
}
