/**
 * Finds the vaults of the run in Azure Resource Manager: the secret's vault by name (one
 * resources-list request) or by the resource ID given, the KEK's vault by name in the same
 * subscription, then each vault's properties.
 */
import { ActionableError } from '../runner/actionable-error.ts'
import { untrusted } from '../runner/untrusted.ts'
import { parseVaultResourceId, vaultResourcePath } from './vault-resource-id.ts'
import { ArmClient, ArmError, describeArmError } from './client.ts'

/** Served in every cloud, sovereign ones included, and has every property the checks read. */
const VAULTS_API = '2022-07-01'
const RESOURCES_API = '2021-04-01'

export interface AccessPolicyEntry {
  readonly objectId?: string
  readonly permissions?: { readonly keys?: string[]; readonly secrets?: string[] }
}

export interface VaultResource {
  readonly id: string
  readonly name: string
  readonly location: string
  readonly properties: {
    readonly sku?: { readonly name?: string }
    readonly enabledForDiskEncryption?: boolean
    readonly enableSoftDelete?: boolean
    readonly enablePurgeProtection?: boolean
    readonly enableRbacAuthorization?: boolean
    readonly publicNetworkAccess?: string
    readonly networkAcls?: { readonly defaultAction?: string; readonly bypass?: string }
    readonly accessPolicies?: readonly AccessPolicyEntry[]
  }
}

/** The vault named `name` in the subscription: its resource ID, as ARM spells it. */
export async function findVaultId(arm: ArmClient, subscriptionId: string, name: string): Promise<string> {
  const filter = encodeURIComponent(`resourceType eq 'Microsoft.KeyVault/vaults' and name eq '${name}'`)
  const scope = `/subscriptions/${subscriptionId}`
  const found = await arm
    .get<{ value?: Array<{ id?: string; name?: string }> }>(`${scope}/resources?$filter=${filter}`, RESOURCES_API)
    .catch((error: unknown) => {
      throw explain(error, name, scope)
    })
  const match = found.value?.find((r) => r.name?.toLowerCase() === name.toLowerCase() && r.id)
  if (!match?.id) {
    throw new ActionableError(
      `Azure Resource Manager finds no key vault named '${name}' in subscription ${subscriptionId}. ` +
        'Check subscription-id (the vaults must be in that subscription), give key-vault as the resource ID, ' +
        `or grant the signed-in identity Reader on the vault or its resource group (az role assignment create --role Reader --assignee <client-id> --scope <vault resource ID>).`
    )
  }
  return match.id
}

export async function readVault(arm: ArmClient, id: string): Promise<VaultResource> {
  const parsed = parseVaultResourceId(id)
  if (!parsed) throw new ActionableError(`Azure Resource Manager answered with '${untrusted(id)}', which is not a key vault resource ID.`)
  return arm.get<VaultResource>(vaultResourcePath(parsed), VAULTS_API).catch((error: unknown) => {
    throw explain(error, parsed.name, id)
  })
}

function explain(error: unknown, name: string, scope: string): unknown {
  if (!(error instanceof ArmError)) return error
  const said = describeArmError(error)
  if (error.status === 403) {
    return new ActionableError(
      `The signed-in identity may not read the key vault '${name}' in Azure Resource Manager (${scope}). ${said} ` +
        `Grant it Reader on the vault or its resource group (az role assignment create --role Reader --assignee <client-id> --scope <vault resource ID>), ` +
        'or remove subscription-id to skip the resource IDs and checks.',
      { cause: error }
    )
  }
  if (error.status === 404) {
    return new ActionableError(
      `Azure Resource Manager finds no key vault '${name}' at ${scope}. ${said} Check the subscription, resource group and name in that resource ID: az keyvault show --name ${name} --query id.`,
      { cause: error }
    )
  }
  return new ActionableError(`Azure Resource Manager could not read the key vault '${name}'. ${said}`, { cause: error })
}
