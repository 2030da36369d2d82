/**
 * Whether a run reads its vaults through Azure Resource Manager: only when asked, by
 * subscription-id or by key-vault given as a resource ID.
 */
import { GUID_PATTERN, InputError } from '../runner/inputs.ts'
import { parseVaultResourceId, vaultResourcePath } from './vault-resource-id.ts'

export interface ArmSettings {
  readonly subscriptionId: string
  /** key-vault's resource ID, when it was given as one. */
  readonly vaultId?: string
}

export function parseArm(subscription: string, keyVault: string): ArmSettings | undefined {
  const text = subscription.trim()
  if (text && !GUID_PATTERN.test(text)) throw new InputError('subscription-id', `'${text}' is not a subscription ID (a GUID)`)
  const id = parseVaultResourceId(keyVault.trim())
  if (id && text && id.subscriptionId !== text.toLowerCase()) {
    throw new InputError('subscription-id', `is ${text}, but key-vault is a vault in subscription ${id.subscriptionId}; give one of them`)
  }
  if (id) return { subscriptionId: id.subscriptionId, vaultId: vaultResourcePath(id) }
  return text ? { subscriptionId: text.toLowerCase() } : undefined
}

export function parseLocation(value: string): string | undefined {
  const text = value.trim()
  if (!text) return undefined
  if (!/^[a-zA-Z0-9 ]{2,64}$/.test(text)) throw new InputError('location', `'${text}' is not an Azure region name (eastus, West Europe…)`)
  return text
}
