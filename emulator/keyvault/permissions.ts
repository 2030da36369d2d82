// Authorization for data-plane operations: Azure RBAC data actions or vault access policies,
// with the 403 texts Key Vault returns for each model.
import type { ServiceResponse } from '../http-types.ts'
import { kvError } from './errors.ts'
import type { Vault } from './vault-store.ts'

export type Operation =
  | 'getKey'
  | 'listKeys'
  | 'listKeyVersions'
  | 'createKey'
  | 'importKey'
  | 'rotateKey'
  | 'updateKey'
  | 'deleteKey'
  | 'wrapKey'
  | 'unwrapKey'
  | 'encrypt'
  | 'decrypt'
  | 'getSecret'
  | 'setSecret'
  | 'updateSecret'
  | 'listSecrets'
  | 'listSecretVersions'
  | 'deleteSecret'
  | 'getDeletedSecret'
  | 'listDeletedSecrets'
  | 'recoverSecret'
  | 'purgeSecret'
  | 'backupKey'
  | 'restoreKey'
  | 'getDeletedKey'
  | 'recoverKey'
  | 'purgeKey'
  | 'backupSecret'
  | 'restoreSecret'

interface Requirement {
  /** RBAC data action, without the 'Microsoft.KeyVault/vaults/' prefix. */
  action: string
  /** Access policy permission: [collection, permission]. */
  policy: ['keys' | 'secrets', string]
}

const REQUIREMENTS: Record<Operation, Requirement> = {
  getKey: { action: 'keys/read', policy: ['keys', 'get'] },
  listKeys: { action: 'keys/read', policy: ['keys', 'list'] },
  listKeyVersions: { action: 'keys/read', policy: ['keys', 'list'] },
  createKey: { action: 'keys/create/action', policy: ['keys', 'create'] },
  importKey: { action: 'keys/import/action', policy: ['keys', 'import'] },
  rotateKey: { action: 'keys/rotate/action', policy: ['keys', 'rotate'] },
  updateKey: { action: 'keys/update/action', policy: ['keys', 'update'] },
  deleteKey: { action: 'keys/delete', policy: ['keys', 'delete'] },
  wrapKey: { action: 'keys/wrap/action', policy: ['keys', 'wrapKey'] },
  unwrapKey: { action: 'keys/unwrap/action', policy: ['keys', 'unwrapKey'] },
  encrypt: { action: 'keys/encrypt/action', policy: ['keys', 'encrypt'] },
  decrypt: { action: 'keys/decrypt/action', policy: ['keys', 'decrypt'] },
  getSecret: { action: 'secrets/getSecret/action', policy: ['secrets', 'get'] },
  setSecret: { action: 'secrets/setSecret/action', policy: ['secrets', 'set'] },
  updateSecret: { action: 'secrets/setSecret/action', policy: ['secrets', 'set'] },
  listSecrets: { action: 'secrets/readMetadata/action', policy: ['secrets', 'list'] },
  listSecretVersions: { action: 'secrets/readMetadata/action', policy: ['secrets', 'list'] },
  deleteSecret: { action: 'secrets/delete', policy: ['secrets', 'delete'] },
  getDeletedSecret: { action: 'deletedSecrets/read', policy: ['secrets', 'list'] },
  listDeletedSecrets: { action: 'deletedSecrets/read', policy: ['secrets', 'list'] },
  recoverSecret: { action: 'deletedSecrets/recover/action', policy: ['secrets', 'recover'] },
  purgeSecret: { action: 'deletedSecrets/delete', policy: ['secrets', 'purge'] },
  backupKey: { action: 'keys/backup/action', policy: ['keys', 'backup'] },
  restoreKey: { action: 'keys/restore/action', policy: ['keys', 'restore'] },
  getDeletedKey: { action: 'deletedKeys/read', policy: ['keys', 'list'] },
  recoverKey: { action: 'deletedKeys/recover/action', policy: ['keys', 'recover'] },
  purgeKey: { action: 'deletedKeys/delete', policy: ['keys', 'purge'] },
  backupSecret: { action: 'secrets/backup/action', policy: ['secrets', 'backup'] },
  restoreSecret: { action: 'secrets/restore/action', policy: ['secrets', 'restore'] }
}

const KEY_CRYPTO = [
  'keys/wrap/action',
  'keys/unwrap/action',
  'keys/encrypt/action',
  'keys/decrypt/action',
  'keys/sign/action',
  'keys/verify/action'
]
const ALL_KEYS = [
  'keys/read',
  'keys/create/action',
  'keys/import/action',
  'keys/delete',
  'keys/update/action',
  'keys/rotate/action',
  'keys/backup/action',
  'keys/restore/action',
  'deletedKeys/read',
  'deletedKeys/recover/action',
  'deletedKeys/delete',
  ...KEY_CRYPTO
]
const ALL_SECRETS = [
  'secrets/getSecret/action',
  'secrets/setSecret/action',
  'secrets/readMetadata/action',
  'secrets/delete',
  'secrets/update/action',
  'secrets/backup/action',
  'secrets/restore/action',
  'deletedSecrets/read',
  'deletedSecrets/recover/action',
  'deletedSecrets/delete'
]

export const ROLES: Record<string, string[]> = {
  /** Control plane only: reads the vault resource, no data actions. */
  Reader: [],
  'Key Vault Administrator': [...ALL_KEYS, ...ALL_SECRETS],
  'Key Vault Crypto Officer': ALL_KEYS,
  'Key Vault Crypto User': ['keys/read', ...KEY_CRYPTO],
  'Key Vault Crypto Service Encryption User': ['keys/read', 'keys/wrap/action', 'keys/unwrap/action'],
  'Key Vault Secrets Officer': ALL_SECRETS,
  'Key Vault Secrets User': ['secrets/getSecret/action', 'secrets/readMetadata/action'],
  'Key Vault Reader': ['keys/read', 'secrets/readMetadata/action']
}

/** Control-plane actions of a role (ARM's `actions`), for the permissions API. */
export function roleActions(role: string): string[] {
  return role === 'Reader' ? ['*/read'] : []
}

/** Data actions as ARM's permissions API spells them. */
export function roleDataActions(role: string): string[] {
  return (ROLES[role] ?? []).map((a) => `Microsoft.KeyVault/vaults/${a}`)
}

export interface Caller {
  appId: string
  objectId: string
  issuer: string
}

function callerText(c: Caller): string {
  return `appid=${c.appId};oid=${c.objectId};iss=${c.issuer}`
}

/** Returns a 403 response when the caller may not perform the operation, else undefined. */
export function authorize(vault: Vault, caller: Caller, op: Operation, objectPath: string): ServiceResponse | undefined {
  const req = REQUIREMENTS[op]
  const vaultText = `${vault.name};location=${vault.location}`
  if (vault.authorization === 'rbac') {
    const now = Date.now()
    const allowed = vault.roleAssignments.some(
      (a) => a.objectId === caller.objectId && a.effectiveAt <= now && (ROLES[a.role] ?? []).includes(req.action)
    )
    if (allowed) return undefined
    const resource =
      `/subscriptions/${vault.subscriptionId}/resourcegroups/${vault.resourceGroup}/providers/microsoft.keyvault/vaults/${vault.name}` +
      (objectPath ? `/${objectPath}` : '')
    return kvError(
      403,
      'Forbidden',
      'Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
        `Caller: ${callerText(caller)}\r\nAction: 'Microsoft.KeyVault/vaults/${req.action}'\r\nResource: '${resource.toLowerCase()}'\r\n` +
        `Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${vaultText}\r\n`,
      'ForbiddenByRbac'
    )
  }
  const policy = vault.accessPolicies.get(caller.objectId)
  const [collection, permission] = req.policy
  const granted = (policy?.[collection] ?? []).map((p) => p.toLowerCase())
  if (granted.includes(permission.toLowerCase()) || granted.includes('all')) return undefined
  return kvError(
    403,
    'Forbidden',
    `The user, group or application '${callerText(caller)}' does not have ${collection} ${permission} permission on key vault '${vaultText}'. ` +
      'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287',
    'AccessDenied'
  )
}
