/**
 * Reads the version of a secret to rewrap: its latest, or, when the latest is a disabled
 * version on the target KEK (a rewrap that failed after storing left it: earlier releases
 * disabled a version that failed verification, and this one disables a version whose store
 * answer differs from what was sent), the newest enabled wrapped BEK before it. Without this,
 * such a secret could never be finished: it would stay on its old KEK, skipped by every re-run.
 */
import * as core from '@actions/core'
import { type VaultClient, mask } from '../../keyvault/client.ts'
import { storedSecret, type SecretBundle, readSecret } from '../../keyvault/secrets.ts'
import { listSecretVersions } from '../../keyvault/secret-list.ts'
import type { VaultRef } from '../../keyvault/refs.ts'
import { CONTENT_TYPE, TAG_KEK_URL } from '../../ade/tags.ts'

export interface SecretRead {
  readonly bundle?: SecretBundle
  /** Set when `bundle` is not the latest: the disabled latest version, which must still be the latest when storing. */
  readonly disabledLatest?: string
}

export async function readToRewrap(vault: VaultClient, ref: VaultRef, name: string, targetKid: string): Promise<SecretRead> {
  const bundle = await readSecret(vault, ref, name)
  if (bundle?.attributes?.enabled !== false) return { bundle }
  const newest = await newestVersions(vault, ref, name)
  const [latest] = newest
  const previous = newest.find((version) => version.enabled && version.contentType === CONTENT_TYPE)
  if (!latest || latest.enabled || latest.tags[TAG_KEK_URL]?.toLowerCase() !== targetKid.toLowerCase() || !previous) return { bundle }
  const request = `GET ${previous.id}`
  const enabled = await vault.json<SecretBundle | null>({ operation: 'getSecret', method: 'GET', url: previous.id })
  if (enabled?.value) mask(enabled.value)
  // The id must name the version asked for: it becomes previous-secret-url.
  if (storedSecret(ref, name, enabled, request).url !== previous.id) return { bundle }
  core.info(`${name}: its latest version ${latest.id} is disabled and on the target KEK; rewrapping the version before it, ${previous.id}.`)
  return { bundle: enabled ?? undefined, disabledLatest: latest.id }
}

/** The secret's versions, newest first. */
export async function newestVersions(vault: VaultClient, ref: VaultRef, name: string): ReturnType<typeof listSecretVersions> {
  const versions = (await listSecretVersions(vault, ref.url, name)).map((version, index) => ({ version, index }))
  // Versions made in the same second: the later in the list is taken as the newer.
  return versions.sort((a, b) => (b.version.created ?? 0) - (a.version.created ?? 0) || b.index - a.index).map(({ version }) => version)
}
