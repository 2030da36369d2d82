// Key Vault vaults as Azure Resource Manager shows them: the resource, the resources list with
// `$filter`, and `Microsoft.Authorization/permissions` computed from the vault's RBAC assignments.
import type { Cloud } from '../clouds.ts'
import { jsonResponse, type ServiceResponse } from '../http-types.ts'
import { roleActions, roleDataActions } from '../keyvault/permissions.ts'
import { vaultUrl, type Vault } from '../keyvault/vault-store.ts'

export const VAULT_TYPE = 'Microsoft.KeyVault/vaults'

export function vaultId(v: Vault): string {
  return `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/${VAULT_TYPE}/${v.name}`
}

export function armError(status: number, code: string, message: string): ServiceResponse {
  return jsonResponse(status, { error: { code, message } }, { 'x-ms-failure-cause': 'gateway' })
}

export function authorizationFailed(oid: string, action: string, scope: string): ServiceResponse {
  return armError(
    403,
    'AuthorizationFailed',
    `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' ` +
      'or the scope is invalid. If access was recently granted, please refresh your credentials.'
  )
}

export function resourceNotFound(type: string, name: string, resourceGroup: string): ServiceResponse {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
  )
}

/** The vault resource, api-version 2022-07-01 shape. */
export function vaultResource(v: Vault): Record<string, unknown> {
  const r = v.resource
  return {
    id: vaultId(v),
    name: v.name,
    type: VAULT_TYPE,
    location: v.location,
    tags: {},
    properties: {
      sku: { family: 'A', name: v.resource.sku },
      tenantId: v.tenantId,
      accessPolicies:
        v.authorization === 'rbac'
          ? []
          : [...v.accessPolicies.entries()].map(([objectId, p]) => ({
              tenantId: v.tenantId,
              objectId,
              permissions: { keys: p.keys, secrets: p.secrets, certificates: [] }
            })),
      enabledForDeployment: false,
      enabledForDiskEncryption: r.enabledForDiskEncryption,
      enabledForTemplateDeployment: false,
      enableSoftDelete: v.softDeleteRetentionDays > 0,
      ...(v.softDeleteRetentionDays > 0 ? { softDeleteRetentionInDays: v.softDeleteRetentionDays } : {}),
      enableRbacAuthorization: v.authorization === 'rbac',
      // ARM leaves the property out until purge protection is switched on (it cannot be switched off).
      ...(r.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
      vaultUri: `${vaultUrl(v)}/`,
      provisioningState: 'Succeeded',
      publicNetworkAccess: r.publicNetworkAccess,
      networkAcls: { bypass: r.networkAcls.bypass, defaultAction: r.networkAcls.defaultAction, ipRules: [], virtualNetworkRules: [] }
    }
  }
}

/** Generic resource entry of `GET /subscriptions/{id}/resources`. */
export function resourceListEntry(v: Vault): Record<string, unknown> {
  return { id: vaultId(v), name: v.name, type: VAULT_TYPE, location: v.location, tags: {} }
}

/** `resourceType eq '…' and name eq '…'` (either part, any order); undefined when not understood. */
export function parseResourceFilter(filter: string): { type?: string; name?: string } | undefined {
  const parts = filter.split(/\s+and\s+/i)
  const out: { type?: string; name?: string } = {}
  for (const part of parts) {
    const m = /^\s*(resourceType|name)\s+eq\s+'([^']*)'\s*$/i.exec(part)
    if (!m) return undefined
    if (m[1]!.toLowerCase() === 'resourcetype') out.type = m[2]!
    else out.name = m[2]!
  }
  return out
}

/** What the permissions API answers for a caller on a vault scope: one entry per assignment. */
export function vaultPermissions(v: Vault, oid: string): Array<Record<string, string[]>> {
  const now = Date.now()
  return v.roleAssignments
    .filter((a) => a.objectId === oid && a.effectiveAt <= now)
    .map((a) => ({ actions: roleActions(a.role), notActions: [], dataActions: roleDataActions(a.role), notDataActions: [] }))
}

export function vaultsOfCloud(vaults: Vault[], cloud: Cloud): Vault[] {
  return vaults.filter((v) => v.cloud.name === cloud.name)
}
