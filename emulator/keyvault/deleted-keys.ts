// The soft-delete life cycle of keys (DELETE /keys/{name}, /deletedkeys/{name}: read, recover,
// purge), as secrets.ts has it for secrets: a soft-deleted key hides its name from reads and
// refuses a create, an import or a restore under it until it is recovered or purged.
import type { ServiceResponse } from '../http-types.ts'
import { keyNotFound, kvError, kvHeaders, kvOk } from './errors.ts'
import { keyBundle, type KeyContext } from './keys.ts'
import { currentKey, nowSeconds, vaultUrl, type KeyEntry, type Vault } from './vault-store.ts'

function deletedKeyBundle(vault: Vault, entry: KeyEntry): Record<string, unknown> {
  return {
    recoveryId: `${vaultUrl(vault)}/deletedkeys/${entry.name}`,
    deletedDate: entry.deleted!.deletedDate,
    scheduledPurgeDate: entry.deleted!.scheduledPurgeDate,
    ...keyBundle(vault, entry, currentKey(entry))
  }
}

function deletedEntry(vault: Vault, name: string): KeyEntry | undefined {
  const entry = vault.keys.get(name.toLowerCase())
  return entry?.deleted ? entry : undefined
}

const deletedNotFound = (name: string): ServiceResponse => kvError(404, 'KeyNotFound', `Deleted Key not found: ${name}`)

/** The 409 a write under a soft-deleted key's name gets, or undefined when the name is free of one. */
export function deletedKeyConflict(vault: Vault, name: string): ServiceResponse | undefined {
  if (!deletedEntry(vault, name)) return undefined
  return kvError(
    409,
    'Conflict',
    `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
    'ObjectIsDeletedButRecoverable'
  )
}

/** Soft-deletes an active key (deletes it when the vault has no soft delete); false when there is none. */
export function softDeleteKey(vault: Vault, name: string): KeyEntry | false {
  const entry = vault.keys.get(name.toLowerCase())
  if (!entry || entry.deleted) return false
  if (vault.softDeleteRetentionDays <= 0) {
    vault.keys.delete(name.toLowerCase())
    return entry
  }
  const now = nowSeconds()
  entry.deleted = { deletedDate: now, scheduledPurgeDate: now + vault.softDeleteRetentionDays * 86400 }
  return entry
}

export function deleteKey(ctx: KeyContext): ServiceResponse {
  const entry = softDeleteKey(ctx.vault, ctx.name)
  if (!entry) return keyNotFound(ctx.name)
  return kvOk(entry.deleted ? deletedKeyBundle(ctx.vault, entry) : keyBundle(ctx.vault, entry, currentKey(entry)))
}

export function getDeletedKey(ctx: KeyContext): ServiceResponse {
  const entry = deletedEntry(ctx.vault, ctx.name)
  return entry ? kvOk(deletedKeyBundle(ctx.vault, entry)) : deletedNotFound(ctx.name)
}

export function recoverKey(ctx: KeyContext): ServiceResponse {
  const entry = deletedEntry(ctx.vault, ctx.name)
  if (!entry) return deletedNotFound(ctx.name)
  delete entry.deleted
  return kvOk(keyBundle(ctx.vault, entry, currentKey(entry)))
}

export function purgeKey(ctx: KeyContext): ServiceResponse {
  if (!deletedEntry(ctx.vault, ctx.name)) return deletedNotFound(ctx.name)
  ctx.vault.keys.delete(ctx.name.toLowerCase())
  return { status: 204, headers: kvHeaders() }
}
