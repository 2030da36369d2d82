// Backup and restore of keys and secrets (POST /keys/{name}/backup, /keys/restore, and the same
// for secrets). The blob is opaque, as Key Vault's is: sealed with a key only this stand-in holds,
// behind the header the real blobs carry (a length byte, then `AzureKeyVault…BackupV1.microsoft.com`).
// Like Key Vault, it restores only into a vault of the same subscription and geography; elsewhere,
// or when the bytes are not a backup at all, the answer is the real service's "Cannot decrypt
// backup blob." A name that exists, active or soft-deleted, refuses the restore.
import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes } from 'node:crypto'
import type { ServiceResponse } from '../http-types.ts'
import { badParameter, keyNotFound, kvError, kvOk, secretNotFound } from './errors.ts'
import { keyBundle, type KeyContext } from './keys.ts'
import { secretBundle } from './secrets.ts'
import { currentSecret, type KeyEntry, type KeyType, type SecretEntry, type Vault } from './vault-store.ts'

const HEADERS = { key: 'AzureKeyVaultKeyBackupV1.microsoft.com', secret: 'AzureKeyVaultSecretBackupV1.microsoft.com' } as const
type Kind = keyof typeof HEADERS
/** One per stand-in process: its blobs mean nothing to anyone else, as a real vault's. */
const SEAL_KEY = randomBytes(32)

/** Azure geographies of the regions tests use; a region not listed is its own geography. */
const GEOGRAPHY: Record<string, string> = {
  eastus: 'United States',
  eastus2: 'United States',
  westus: 'United States',
  westus2: 'United States',
  westus3: 'United States',
  centralus: 'United States',
  northcentralus: 'United States',
  southcentralus: 'United States',
  westeurope: 'Europe',
  northeurope: 'Europe',
  germanywestcentral: 'Germany',
  uksouth: 'United Kingdom',
  ukwest: 'United Kingdom',
  canadacentral: 'Canada',
  japaneast: 'Japan'
}

export function geographyOf(location: string): string {
  const region = location.toLowerCase().replace(/\s+/g, '')
  return GEOGRAPHY[region] ?? region
}

interface Sealed {
  subscriptionId: string
  geography: string
  entry: unknown
}

function seal(kind: Kind, vault: Vault, entry: unknown): string {
  const header = Buffer.from(HEADERS[kind])
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', SEAL_KEY, iv)
  cipher.setAAD(header)
  const payload: Sealed = { subscriptionId: vault.subscriptionId, geography: geographyOf(vault.location), entry }
  const body = Buffer.concat([cipher.update(JSON.stringify(payload)), cipher.final()])
  return Buffer.concat([Buffer.from([header.length]), header, iv, cipher.getAuthTag(), body]).toString('base64url')
}

/** The sealed payload, or undefined when the blob is not this stand-in's backup of that kind. */
function unseal(kind: Kind, blob: Buffer): Sealed | undefined {
  const header = Buffer.from(HEADERS[kind])
  if (blob.length < 1 + header.length + 28 || blob[0] !== header.length || !blob.subarray(1, 1 + header.length).equals(header))
    return undefined
  const at = 1 + header.length
  try {
    const decipher = createDecipheriv('aes-256-gcm', SEAL_KEY, blob.subarray(at, at + 12))
    decipher.setAAD(header)
    decipher.setAuthTag(blob.subarray(at + 12, at + 28))
    const text = Buffer.concat([decipher.update(blob.subarray(at + 28)), decipher.final()]).toString('utf8')
    return JSON.parse(text) as Sealed
  } catch {
    return undefined
  }
}

interface KeyVersionJson {
  version: string
  kty: KeyType
  keyOps: string[]
  keySize?: number
  crv?: string
  pkcs8: string
  attributes: KeyEntry['versions'][number]['attributes']
  tags?: Record<string, string>
}

export function keyBackupBlob(vault: Vault, entry: KeyEntry): string {
  const versions: KeyVersionJson[] = entry.versions.map((kv) => ({
    version: kv.version,
    kty: kv.kty,
    keyOps: kv.keyOps,
    ...(kv.keySize !== undefined ? { keySize: kv.keySize } : {}),
    ...(kv.crv !== undefined ? { crv: kv.crv } : {}),
    pkcs8: kv.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    attributes: { ...kv.attributes },
    ...(kv.tags ? { tags: { ...kv.tags } } : {})
  }))
  return seal('key', vault, { name: entry.name, versions })
}

export function secretBackupBlob(vault: Vault, entry: SecretEntry): string {
  return seal('secret', vault, { name: entry.name, versions: entry.versions.map((sv) => ({ ...sv, attributes: { ...sv.attributes } })) })
}

/** The test-facing backup (emulator/keyvault/admin.ts): a blob of an active key or secret. */
export function backupBlob(vault: Vault, kind: 'key' | 'secret', name: string): string {
  const entry = (kind === 'key' ? vault.keys : vault.secrets).get(name.toLowerCase())
  if (!entry || entry.deleted) throw new Error(`emulator: no active ${kind} '${name}'`)
  return kind === 'key' ? keyBackupBlob(vault, entry as KeyEntry) : secretBackupBlob(vault, entry as SecretEntry)
}

export function backupKey(ctx: KeyContext): ServiceResponse {
  const entry = ctx.vault.keys.get(ctx.name.toLowerCase())
  if (!entry || entry.deleted) return keyNotFound(ctx.name)
  return kvOk({ value: keyBackupBlob(ctx.vault, entry) })
}

export function backupSecret(ctx: KeyContext): ServiceResponse {
  const entry = ctx.vault.secrets.get(ctx.name.toLowerCase())
  if (!entry || entry.deleted) return secretNotFound(ctx.name)
  return kvOk({ value: secretBackupBlob(ctx.vault, entry) })
}

/** The blob of a restore request, checked as Key Vault does: base64url, sealed by this stand-in, for this subscription and geography. */
function openBlob(kind: Kind, ctx: KeyContext): { entry: { name: string; versions: unknown[] } } | ServiceResponse {
  const value = ctx.body['value']
  if (typeof value !== 'string' || !value) return badParameter('Property value has invalid value\r\n')
  // The API takes base64url; padded or standard base64 is not what it documents, and is refused.
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return badParameter('Property value has invalid value: it must be base64url encoded.\r\n')
  const sealed = unseal(kind, Buffer.from(value, 'base64url'))
  if (!sealed || sealed.subscriptionId !== ctx.vault.subscriptionId || sealed.geography !== geographyOf(ctx.vault.location)) {
    return badParameter('Cannot decrypt backup blob.')
  }
  return { entry: sealed.entry as { name: string; versions: unknown[] } }
}

function nameTaken(kind: 'key' | 'secret', name: string, deleted: boolean): ServiceResponse {
  const Kind = kind === 'key' ? 'Key' : 'Secret'
  return deleted
    ? kvError(
        409,
        'Conflict',
        `${Kind} ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the ${kind} can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable'
      )
    : kvError(
        409,
        'Conflict',
        `There was a conflict restoring the ${kind} '${name}'. A ${kind} with the same name already exists in this vault.`
      )
}

export function restoreKey(ctx: KeyContext): ServiceResponse {
  const opened = openBlob('key', ctx)
  if (!('entry' in opened)) return opened
  const name = opened.entry.name
  const existing = ctx.vault.keys.get(name.toLowerCase())
  if (existing) return nameTaken('key', name, !!existing.deleted)
  const entry: KeyEntry = {
    name,
    versions: (opened.entry.versions as KeyVersionJson[]).map((v) => ({
      version: v.version,
      kty: v.kty,
      keyOps: v.keyOps,
      ...(v.keySize !== undefined ? { keySize: v.keySize } : {}),
      ...(v.crv !== undefined ? { crv: v.crv } : {}),
      privateKey: createPrivateKey({ key: Buffer.from(v.pkcs8, 'base64'), format: 'der', type: 'pkcs8' }),
      attributes: v.attributes,
      ...(v.tags ? { tags: v.tags } : {})
    }))
  }
  ctx.vault.keys.set(name.toLowerCase(), entry)
  return kvOk(keyBundle(ctx.vault, entry, entry.versions[entry.versions.length - 1]!))
}

export function restoreSecret(ctx: KeyContext): ServiceResponse {
  const opened = openBlob('secret', ctx)
  if (!('entry' in opened)) return opened
  const name = opened.entry.name
  const existing = ctx.vault.secrets.get(name.toLowerCase())
  if (existing) return nameTaken('secret', name, !!existing.deleted)
  const entry: SecretEntry = { name, versions: opened.entry.versions as SecretEntry['versions'] }
  ctx.vault.secrets.set(name.toLowerCase(), entry)
  // Like the service's answer (and its example), the restored secret without its value.
  return kvOk(secretBundle(ctx.vault, entry, currentSecret(entry), false))
}
