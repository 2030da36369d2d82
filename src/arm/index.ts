/**
 * Everything the run does in Azure Resource Manager, loaded only when it is used: one ARM
 * token, the two vault resources, their checks and the caller's permissions, all read while
 * the Key Vault work goes on. It finds every failing check; the run (src/arm-read.ts) reports
 * them and fails before anything is stored.
 */
import type { AccessToken } from '@azure/core-auth'
import * as core from '@actions/core'
import { ActionableError } from '../runner/actionable-error.ts'
import type { CheckRow } from '../runner/check-table.ts'
import type { Connections } from '../net/connections.ts'
import type { VaultIds } from '../ade/encryption-settings.ts'
import type { VaultRef } from '../keyvault/refs.ts'
import type { Cloud } from '../net/clouds.ts'
import type { ArmSettings } from './subscription.ts'
import { armCheckRows } from './check-rows.ts'
import { type Check, vaultChecks } from './checks.ts'
import { ArmClient } from './client.ts'
import { NEEDS, type Need, permissionChecks, readPermissions } from './permissions.ts'
import { findVaultId, readVault } from './vaults.ts'

export interface ArmResult extends VaultIds {
  readonly checks: readonly Check[]
  /** Every check on every vault, passed or not, for the summary. */
  readonly rows: readonly CheckRow[]
  /** Another vault's resource ID, looked up by name in the same subscription (a reused BEK's KEK vault). */
  readonly vaultIdOf: (name: string) => Promise<string>
  /** The vault's pricing tier as ARM names it (standard, premium): only premium holds HSM keys. */
  readonly sku?: string
}

/** What the vault checks are about: where the secrets go, where the KEK is, and what the run does there. */
export interface VaultCheckRequest {
  readonly cloud: Cloud
  readonly arm: ArmSettings
  /** The vault the secrets are stored in. */
  readonly vault: VaultRef
  readonly kekVault: VaultRef
  /** The VMs' region, as given. */
  readonly location?: string
  /** The run has the vault unwrap (verify), so it needs unwrapKey too. */
  readonly unwraps: boolean
  /** The run reads secrets that may exist, so it needs secrets get too. */
  readonly readsSecrets: boolean
}

/** `armToken`: the run's one ARM token, asked for by the caller as early as it could. */
export async function readVaultResources(
  armToken: Promise<AccessToken | null>,
  request: VaultCheckRequest,
  connections: Connections
): Promise<ArmResult> {
  const { arm, cloud, vault: secretVault, kekVault: keyVault } = request
  const scope = cloud.armScope
  const token = armToken.then((t) => {
    if (!t) throw new ActionableError(`No Azure Resource Manager token for ${scope}; the credential returned none.`)
    core.setSecret(t.token)
    return t
  })
  token.catch(() => undefined)
  // The pipeline asks for its token through this, so the run holds exactly one ARM token.
  const client = new ArmClient({ getToken: async (): Promise<AccessToken> => token }, cloud, connections)

  const sameVault = keyVault.name.toLowerCase() === secretVault.name.toLowerCase()
  const vaultIdLookup = arm.vaultId ? Promise.resolve(arm.vaultId) : findVaultId(client, arm.subscriptionId, secretVault.name)
  const kekIdLookup = sameVault ? vaultIdLookup : findVaultId(client, arm.subscriptionId, keyVault.name)
  // The permissions are asked for alongside the vault's properties, not after them: one round trip less.
  // An access-policy vault does not use them.
  const read = (lookup: Promise<string>) => {
    const permissions = lookup.then((id) => readPermissions(client, id))
    permissions.catch(() => undefined)
    return lookup.then(async (id) => ({ vault: await readVault(client, id), permissions }))
  }
  const vaultRead = read(vaultIdLookup)
  const kekVaultRead = sameVault ? vaultRead : read(kekIdLookup)
  const [{ vault, permissions }, { vault: kekVault, permissions: kekPermissions }] = await Promise.all([vaultRead, kekVaultRead])
  const tokenValue = (await token).token
  const objectId = (): string | undefined => oidOf(tokenValue)

  const keyNeeds: Need[] = [NEEDS.readKey, NEEDS.wrapKey, ...(request.unwraps ? [NEEDS.unwrapKey] : [])]
  const secretNeeds: Need[] = [NEEDS.setSecret, ...(request.readsSecrets ? [NEEDS.getSecret] : [])]
  const permissionsChecked = sameVault
    ? [permissionChecks(vault, permissions, secretVault.name, [...keyNeeds, ...secretNeeds], objectId)]
    : [
        permissionChecks(vault, permissions, secretVault.name, secretNeeds, objectId),
        permissionChecks(kekVault, kekPermissions, keyVault.name, keyNeeds, objectId)
      ]
  const checks = [
    ...vaultChecks({
      vault,
      kekVault,
      vaultName: secretVault.name,
      kekVaultName: keyVault.name,
      ...(request.location !== undefined ? { location: request.location } : {})
    }),
    ...(await Promise.all(permissionsChecked)).flat()
  ]
  core.info(`Vault resources: ${vault.id}${sameVault ? '' : `, ${kekVault.id}`}`)
  const vaultNames = sameVault ? [secretVault.name] : [secretVault.name, keyVault.name]
  const vaultIdOf = (name: string): Promise<string> => findVaultId(client, arm.subscriptionId, name)
  const sku = typeof vault.properties.sku?.name === 'string' ? vault.properties.sku.name : undefined
  return { vaultId: vault.id, kekVaultId: kekVault.id, checks, rows: armCheckRows(vaultNames, checks), vaultIdOf, sku }
}

/** The `oid` claim of an access token; the token itself is never printed. */
function oidOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown }
    return typeof payload.oid === 'string' ? payload.oid : undefined
  } catch {
    return undefined
  }
}
