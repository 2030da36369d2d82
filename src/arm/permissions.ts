/**
 * The caller's Key Vault data permissions, read before anything is stored: under RBAC from
 * `Microsoft.Authorization/permissions` on the vault scope, under access policies from the
 * vault's policy for the caller's object ID (the access token's `oid` claim).
 */
import { ActionableError } from '../runner/actionable-error.ts'
import { untrusted } from '../runner/untrusted.ts'
import type { Check } from './checks.ts'
import { type ArmClient, describeArmError } from './client.ts'
import type { VaultResource } from './vaults.ts'

const PERMISSIONS_API = '2022-04-01'

export interface Need {
  /** RBAC data action, without `Microsoft.KeyVault/vaults/`. */
  readonly action: string
  readonly role: string
  readonly policy: readonly ['keys' | 'secrets', string]
  readonly doing: string
}

export const NEEDS = {
  readKey: { action: 'keys/read', role: 'Key Vault Crypto Service Encryption User', policy: ['keys', 'get'], doing: 'read the KEK' },
  wrapKey: {
    action: 'keys/wrap/action',
    role: 'Key Vault Crypto Service Encryption User',
    policy: ['keys', 'wrapKey'],
    doing: 'wrap the key'
  },
  unwrapKey: {
    action: 'keys/unwrap/action',
    role: 'Key Vault Crypto Service Encryption User',
    policy: ['keys', 'unwrapKey'],
    doing: 'verify the wrapped key'
  },
  setSecret: {
    action: 'secrets/setSecret/action',
    role: 'Key Vault Secrets Officer',
    policy: ['secrets', 'set'],
    doing: 'store the secret'
  },
  getSecret: {
    action: 'secrets/getSecret/action',
    role: 'Key Vault Secrets Officer',
    policy: ['secrets', 'get'],
    doing: 'check existing secret names'
  }
} as const satisfies Record<string, Need>

export interface Permission {
  readonly dataActions?: string[]
  readonly notDataActions?: string[]
}

/** ARM action patterns: `*` matches any run of characters, case ignored. */
function matches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
    'i'
  )
  return re.test(action)
}

function allowedByRbac(permissions: readonly Permission[], action: string): boolean {
  const full = `Microsoft.KeyVault/vaults/${action}`
  return permissions.some(
    (p) => (p.dataActions ?? []).some((a) => matches(a, full)) && !(p.notDataActions ?? []).some((a) => matches(a, full))
  )
}

/** The caller's permissions on the vault's scope (RBAC); asked for before the vault says which model it uses. */
export async function readPermissions(arm: ArmClient, vaultId: string): Promise<readonly Permission[]> {
  const { value } = await arm
    .get<{ value?: Permission[] }>(`${vaultId}/providers/Microsoft.Authorization/permissions`, PERMISSIONS_API)
    .catch((error: unknown) => {
      throw new ActionableError(
        `Azure Resource Manager did not list the signed-in identity's permissions on ${untrusted(vaultId)}: ${describeArmError(error)}. ` +
          'Grant it Reader on the vault or its resource group (az role assignment create --role Reader --assignee <client-id> --scope <vault resource ID>).',
        { cause: error }
      )
    })
  return value ?? []
}

export async function permissionChecks(
  vault: VaultResource,
  rbacPermissions: Promise<readonly Permission[]>,
  vaultName: string,
  needs: readonly Need[],
  objectId: () => string | undefined
): Promise<Check[]> {
  if (vault.properties.enableRbacAuthorization === true) {
    const value = await rbacPermissions
    return needs
      .filter((n) => !allowedByRbac(value, n.action))
      .map((n) => ({
        vault: vaultName,
        name: 'permissions' as const,
        level: 'error' as const,
        message:
          `${vaultName}: the signed-in identity lacks Microsoft.KeyVault/vaults/${n.action} to ${n.doing}. ` +
          `Fix: az role assignment create --role "${n.role}" --assignee <client-id> --scope ${untrusted(vault.id)}`
      }))
  }
  const oid = objectId()
  const policy = (vault.properties.accessPolicies ?? []).find((p) => oid !== undefined && p.objectId?.toLowerCase() === oid.toLowerCase())
  return needs
    .filter((n) => {
      const granted = (policy?.permissions?.[n.policy[0]] ?? []).map((p) => p.toLowerCase())
      return !granted.includes(n.policy[1].toLowerCase()) && !granted.includes('all')
    })
    .map((n) => ({
      vault: vaultName,
      name: 'permissions' as const,
      level: 'error' as const,
      message:
        `${vaultName}: the vault's access policy for the signed-in identity lacks ${n.policy[0]} ${n.policy[1]} to ${n.doing}. ` +
        `Fix: az keyvault set-policy --name ${vaultName} --object-id ${oid ?? '<object-id>'} --${n.policy[0] === 'keys' ? 'key' : 'secret'}-permissions ${n.policy[1]}`
    }))
}
