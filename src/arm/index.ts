/**
 * Everything the run does in Azure Resource Manager, loaded only when it is used: one ARM
 * token, the two vault resources, their checks and the caller's permissions. Warnings are
 * reported as they are found; every failing check is reported, then one error stops the run
 * before anything is wrapped or stored.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth'
import * as core from '@actions/core'
import { ActionableError } from '../actionable-error.ts'
import type { Connections } from '../connections.ts'
import type { VaultIds } from '../encryption-settings.ts'
import type { Settings } from '../inputs.ts'
import { writeCheckTable } from './check-table.ts'
import { type Check, vaultChecks } from './checks.ts'
import { ArmClient } from './client.ts'
import { NEEDS, type Need, permissionChecks } from './permissions.ts'
import { findVaultId, readVault } from './vaults.ts'

export interface ArmResult extends VaultIds {
  readonly checks: readonly Check[]
}

export async function readVaultResources(
  credential: TokenCredential,
  settings: Settings,
  connections: Connections,
  warn: (message: string) => void
): Promise<ArmResult> {
  const arm = settings.arm!
  const scope = settings.cloud.armScope
  const token = credential.getToken(scope).then((t) => {
    if (!t) throw new ActionableError(`No Azure Resource Manager token for ${scope}; the credential returned none.`)
    core.setSecret(t.token)
    return t
  })
  token.catch(() => undefined)
  // The pipeline asks for its token through this, so the run holds exactly one ARM token.
  const client = new ArmClient({ getToken: async (): Promise<AccessToken> => token }, settings.cloud, connections)
  connections.preconnect(new URL(settings.cloud.armEndpoint).hostname, 2)

  const sameVault = settings.kek.vault.name.toLowerCase() === settings.vault.name.toLowerCase()
  const vaultIdLookup = arm.vaultId ? Promise.resolve(arm.vaultId) : findVaultId(client, arm.subscriptionId, settings.vault.name)
  const kekIdLookup = sameVault ? vaultIdLookup : findVaultId(client, arm.subscriptionId, settings.kek.vault.name)
  const vaultRead = vaultIdLookup.then((id) => readVault(client, id))
  const kekVaultRead = sameVault ? vaultRead : kekIdLookup.then((id) => readVault(client, id))
  const [vault, kekVault] = await Promise.all([vaultRead, kekVaultRead])
  const tokenValue = (await token).token
  const objectId = (): string | undefined => oidOf(tokenValue)

  const keyNeeds: Need[] = [NEEDS.readKey, NEEDS.wrapKey, ...(settings.verify ? [NEEDS.unwrapKey] : [])]
  const secretNeeds: Need[] = [NEEDS.setSecret, ...(settings.secretNamesMayExist ? [NEEDS.getSecret] : [])]
  const permissions = sameVault
    ? [permissionChecks(client, vault, settings.vault.name, [...keyNeeds, ...secretNeeds], objectId)]
    : [
        permissionChecks(client, vault, settings.vault.name, secretNeeds, objectId),
        permissionChecks(client, kekVault, settings.kek.vault.name, keyNeeds, objectId)
      ]
  const checks = [
    ...vaultChecks({
      vault,
      kekVault,
      vaultName: settings.vault.name,
      kekVaultName: settings.kek.vault.name,
      ...(settings.location !== undefined ? { location: settings.location } : {})
    }),
    ...(await Promise.all(permissions)).flat()
  ]
  checks.filter((c) => c.level === 'warning').forEach((c) => warn(c.message))
  const names = sameVault ? [settings.vault.name] : [settings.vault.name, settings.kek.vault.name]
  // A summary that cannot be written must not hide what the checks found.
  await writeCheckTable(names, checks).catch((error: unknown) => core.debug(`No check table in the summary: ${String(error)}`))
  const errors = checks.filter((c) => c.level === 'error')
  const last = errors.at(-1)
  if (last) {
    errors.slice(0, -1).forEach((c) => core.error(c.message))
    throw new ActionableError(
      `${last.message} (${errors.length} vault ${errors.length === 1 ? 'check' : 'checks'} failed; nothing was stored.)`
    )
  }
  core.info(`Vault resources: ${vault.id}${sameVault ? '' : `, ${kekVault.id}`}`)
  return { vaultId: vault.id, kekVaultId: kekVault.id, checks }
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
