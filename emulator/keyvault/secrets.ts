// Secret operations with Key Vault's validation limits and soft-delete life cycle
// (active → deleted-but-recoverable → recovered or purged).
import type { ServiceResponse } from '../http-types.ts'
import { badParameter, kvError, kvHeaders, kvOk, secretNotFound } from './errors.ts'
import { parseTags } from './keys.ts'
import { pageOf } from './paging.ts'
import {
  attributesJson,
  currentSecret,
  newVersionId,
  nowSeconds,
  vaultUrl,
  type SecretEntry,
  type SecretVersion,
  type Vault
} from './vault-store.ts'

export interface SecretContext {
  vault: Vault
  name: string
  version?: string
  body: Record<string, unknown>
  query: URLSearchParams
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/
const MAX_VALUE = 25 * 1024

export const SECRET_EXPIRY_POLICY = 'secretsRequireExpiry'

function secretId(vault: Vault, entry: SecretEntry, sv?: SecretVersion): string {
  return `${vaultUrl(vault)}/secrets/${entry.name}${sv ? `/${sv.version}` : ''}`
}

export function secretBundle(vault: Vault, entry: SecretEntry, sv: SecretVersion, withValue = true): Record<string, unknown> {
  return {
    ...(withValue ? { value: sv.value } : {}),
    ...(sv.contentType !== undefined ? { contentType: sv.contentType } : {}),
    id: secretId(vault, entry, sv),
    attributes: attributesJson(vault, sv.attributes),
    ...(sv.tags ? { tags: sv.tags } : {})
  }
}

function deletedBundle(vault: Vault, entry: SecretEntry): Record<string, unknown> {
  return {
    recoveryId: `${vaultUrl(vault)}/deletedsecrets/${entry.name}`,
    deletedDate: entry.deleted!.deletedDate,
    scheduledPurgeDate: entry.deleted!.scheduledPurgeDate,
    ...secretBundle(vault, entry, currentSecret(entry), false)
  }
}

function active(vault: Vault, name: string): SecretEntry | undefined {
  const e = vault.secrets.get(name.toLowerCase())
  return e && !e.deleted ? e : undefined
}

function deleted(vault: Vault, name: string): SecretEntry | undefined {
  const e = vault.secrets.get(name.toLowerCase())
  return e?.deleted ? e : undefined
}

export function setSecret(ctx: SecretContext): ServiceResponse {
  const { vault, name, body } = ctx
  if (!NAME.test(name)) {
    return badParameter(
      `The request URI contains an invalid name: ${name}. Follow this link for more information on how to set object names: https://aka.ms/KeyVaultNaming`
    )
  }
  const value = body['value']
  if (typeof value !== 'string') return badParameter('Property value has invalid value\r\n')
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE) return badParameter('Secret value is too large. The maximum allowed size is 25 KB.')
  const contentType = body['contentType']
  if (contentType !== undefined && contentType !== null && (typeof contentType !== 'string' || contentType.length > 255)) {
    return badParameter('Property contentType has invalid value: the maximum length is 255 characters.\r\n')
  }
  const tags = parseTags(body)
  if (typeof tags === 'string') return badParameter(tags)
  const attrsRaw = (body['attributes'] ?? {}) as Record<string, unknown>
  if (typeof attrsRaw !== 'object') return badParameter('Property attributes has invalid value\r\n')
  for (const f of ['nbf', 'exp']) {
    if (attrsRaw[f] !== undefined && attrsRaw[f] !== null && typeof attrsRaw[f] !== 'number')
      return badParameter(`Property attributes.${f} has invalid value\r\n`)
  }
  if (attrsRaw['enabled'] !== undefined && typeof attrsRaw['enabled'] !== 'boolean')
    return badParameter('Property attributes.enabled has invalid value\r\n')

  if (deleted(vault, name)) {
    return kvError(
      409,
      'Conflict',
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      'ObjectIsDeletedButRecoverable'
    )
  }
  if (vault.policies.has(SECRET_EXPIRY_POLICY) && typeof attrsRaw['exp'] !== 'number') {
    return kvError(
      403,
      'Forbidden',
      `Resource '${name}' was disallowed by Azure: This request was denied due to an Azure Policy. ` +
        `Policy assignment: '/subscriptions/${vault.subscriptionId}/providers/Microsoft.Authorization/policyAssignments/kv-secrets-require-expiry' ` +
        "('Key Vault secrets should have an expiration date'). Policy definition: '/providers/Microsoft.Authorization/policyDefinitions/98728c90-32c7-4049-8429-847dc0f4fe37'.",
      'ForbiddenByPolicy'
    )
  }
  const now = nowSeconds()
  const sv: SecretVersion = {
    version: newVersionId(),
    value,
    ...(typeof contentType === 'string' ? { contentType } : {}),
    ...(tags ? { tags } : {}),
    attributes: {
      enabled: (attrsRaw['enabled'] as boolean | undefined) ?? true,
      ...(typeof attrsRaw['nbf'] === 'number' ? { nbf: attrsRaw['nbf'] } : {}),
      ...(typeof attrsRaw['exp'] === 'number' ? { exp: attrsRaw['exp'] } : {}),
      created: now,
      updated: now
    }
  }
  let entry = vault.secrets.get(name.toLowerCase())
  if (!entry) {
    entry = { name, versions: [] }
    vault.secrets.set(name.toLowerCase(), entry)
  }
  entry.versions.push(sv)
  return kvOk(secretBundle(vault, entry, sv))
}

export function getSecret(ctx: SecretContext): ServiceResponse {
  const entry = active(ctx.vault, ctx.name)
  const sv = entry && (ctx.version ? entry.versions.find((v) => v.version === ctx.version!.toLowerCase()) : currentSecret(entry))
  if (!entry || !sv) return secretNotFound(ctx.name, ctx.version)
  if (!sv.attributes.enabled) return kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled')
  return kvOk(secretBundle(ctx.vault, entry, sv))
}

export function updateSecret(ctx: SecretContext): ServiceResponse {
  const entry = active(ctx.vault, ctx.name)
  const sv = entry && (ctx.version ? entry.versions.find((v) => v.version === ctx.version!.toLowerCase()) : currentSecret(entry))
  if (!entry || !sv) return secretNotFound(ctx.name, ctx.version)
  const tags = parseTags(ctx.body)
  if (typeof tags === 'string') return badParameter(tags)
  if (tags) sv.tags = tags
  if (typeof ctx.body['contentType'] === 'string') sv.contentType = ctx.body['contentType']
  const a = (ctx.body['attributes'] ?? {}) as Record<string, unknown>
  if (typeof a['enabled'] === 'boolean') sv.attributes.enabled = a['enabled']
  if (typeof a['exp'] === 'number') sv.attributes.exp = a['exp']
  if (typeof a['nbf'] === 'number') sv.attributes.nbf = a['nbf']
  sv.attributes.updated = nowSeconds()
  return kvOk(secretBundle(ctx.vault, entry, sv, false))
}

function secretItem(vault: Vault, entry: SecretEntry, sv: SecretVersion, versioned: boolean): Record<string, unknown> {
  return {
    id: secretId(vault, entry, versioned ? sv : undefined),
    attributes: attributesJson(vault, sv.attributes),
    ...(sv.contentType !== undefined ? { contentType: sv.contentType } : {}),
    ...(sv.tags ? { tags: sv.tags } : {})
  }
}

export function listSecretVersions(ctx: SecretContext, basePath: string): ServiceResponse {
  const entry = active(ctx.vault, ctx.name)
  if (!entry) return secretNotFound(ctx.name)
  return pageOf(
    entry.versions.map((sv) => secretItem(ctx.vault, entry, sv, true)),
    ctx.query,
    `${vaultUrl(ctx.vault)}:443${basePath}`
  )
}

export function listSecrets(ctx: SecretContext, basePath: string): ServiceResponse {
  const items = [...ctx.vault.secrets.values()].filter((e) => !e.deleted).map((e) => secretItem(ctx.vault, e, currentSecret(e), false))
  return pageOf(items, ctx.query, `${vaultUrl(ctx.vault)}:443${basePath}`)
}

export function deleteSecret(ctx: SecretContext): ServiceResponse {
  const entry = active(ctx.vault, ctx.name)
  if (!entry) return secretNotFound(ctx.name)
  const now = nowSeconds()
  if (ctx.vault.softDeleteRetentionDays <= 0) {
    ctx.vault.secrets.delete(ctx.name.toLowerCase())
    return kvOk(secretBundle(ctx.vault, entry, currentSecret(entry), false))
  }
  entry.deleted = { deletedDate: now, scheduledPurgeDate: now + ctx.vault.softDeleteRetentionDays * 86400 }
  return kvOk(deletedBundle(ctx.vault, entry))
}

function deletedNotFound(name: string): ServiceResponse {
  return kvError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`)
}

export function getDeletedSecret(ctx: SecretContext): ServiceResponse {
  const entry = deleted(ctx.vault, ctx.name)
  return entry ? kvOk(deletedBundle(ctx.vault, entry)) : deletedNotFound(ctx.name)
}

export function listDeletedSecrets(ctx: SecretContext, basePath: string): ServiceResponse {
  const items = [...ctx.vault.secrets.values()]
    .filter((e) => e.deleted)
    .map((e) => ({
      recoveryId: `${vaultUrl(ctx.vault)}/deletedsecrets/${e.name}`,
      deletedDate: e.deleted!.deletedDate,
      scheduledPurgeDate: e.deleted!.scheduledPurgeDate,
      ...secretItem(ctx.vault, e, currentSecret(e), false)
    }))
  return pageOf(items, ctx.query, `${vaultUrl(ctx.vault)}:443${basePath}`)
}

export function recoverSecret(ctx: SecretContext): ServiceResponse {
  const entry = deleted(ctx.vault, ctx.name)
  if (!entry) return deletedNotFound(ctx.name)
  delete entry.deleted
  return kvOk(secretBundle(ctx.vault, entry, currentSecret(entry), false))
}

export function purgeSecret(ctx: SecretContext): ServiceResponse {
  const entry = deleted(ctx.vault, ctx.name)
  if (!entry) return deletedNotFound(ctx.name)
  ctx.vault.secrets.delete(ctx.name.toLowerCase())
  return { status: 204, headers: kvHeaders() }
}
