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
import type { Settings } from '../actions/create/inputs.ts'
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
}

/** `armToken`: the run's one ARM token, asked for by the caller as early as it could. */
export async function readVaultResources(
  armToken: Promise<AccessToken | null>,
  settings: Settings,
  connections: Connections
): Promise<ArmResult> {
  const arm = settings.arm!
  const scope = settings.cloud.armScope
  const token = armToken.then((t) => {
    if (!t) throw new ActionableError(`No Azure Resource Manager token for ${scope}; the credential returned none.`)
    core.setSecret(t.token)
    return t
  })
  token.catch(() => undefined)
  // The pipeline asks for its token through this, so the run holds exactly one ARM token.
  const client = new ArmClient({ getToken: async (): Promise<AccessToken> => token }, settings.cloud, connections)

  const sameVault = settings.kek.vault.name.toLowerCase() === settings.vault.name.toLowerCase()
  const vaultIdLookup = arm.vaultId ? Promise.resolve(arm.vaultId) : findVaultId(client, arm.subscriptionId, settings.vault.name)
  const kekIdLookup = sameVault ? vaultIdLookup : findVaultId(client, arm.subscriptionId, settings.kek.vault.name)
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

  const keyNeeds: Need[] = [NEEDS.readKey, NEEDS.wrapKey, ...(settings.verify ? [NEEDS.unwrapKey] : [])]
  const secretNeeds: Need[] = [NEEDS.setSecret, ...(settings.secretNamesMayExist ? [NEEDS.getSecret] : [])]
  const permissionsChecked = sameVault
    ? [permissionChecks(vault, permissions, settings.vault.name, [...keyNeeds, ...secretNeeds], objectId)]
    : [
        permissionChecks(vault, permissions, settings.vault.name, secretNeeds, objectId),
        permissionChecks(kekVault, kekPermissions, settings.kek.vault.name, keyNeeds, objectId)
      ]
  const checks = [
    ...vaultChecks({
      vault,
      kekVault,
      vaultName: settings.vault.name,
      kekVaultName: settings.kek.vault.name,
      ...(settings.location !== undefined ? { location: settings.location } : {})
    }),
    ...(await Promise.all(permissionsChecked)).flat()
  ]
  core.info(`Vault resources: ${vault.id}${sameVault ? '' : `, ${kekVault.id}`}`)
  const vaultNames = sameVault ? [settings.vault.name] : [settings.vault.name, settings.kek.vault.name]
  const vaultIdOf = (name: string): Promise<string> => findVaultId(client, arm.subscriptionId, name)
  return { vaultId: vault.id, kekVaultId: kekVault.id, checks, rows: armCheckRows(vaultNames, checks), vaultIdOf }
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
