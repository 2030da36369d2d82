/** Reads and stores the Key Vault secret that holds a wrapped BEK. */
import * as core from '@actions/core'
import { ActionableError } from '../runner/actionable-error.ts'
import { checkSecretId } from './answer-checks.ts'
import { describeError } from '../runner/errors.ts'
import type { VaultRef } from './refs.ts'
import { type SecretItem, listSecretVersions } from './secret-list.ts'
import { untrusted } from '../runner/untrusted.ts'
import { CONTENT_TYPE, TAG_KEK_URL } from '../ade/tags.ts'
import { type VaultClient, VaultError, mask } from './client.ts'
import { lostConnection, outcomeUnknown } from './retry.ts'

export interface SecretBundle {
  id?: string
  value?: string
  contentType?: string
  tags?: Record<string, string>
  attributes?: { enabled?: boolean }
}

export interface StoredSecret {
  readonly name: string
  /** Versioned secret URL. */
  readonly url: string
  readonly version: string
}

const secretUrl = (vault: VaultRef, name: string): string => `${vault.url}/secrets/${name}`

/** The latest version of a secret, or undefined if there is none (deleted ones included). */
export async function readSecret(vault: VaultClient, ref: VaultRef, name: string): Promise<SecretBundle | undefined> {
  try {
    const url = `${secretUrl(ref, name)}/`
    const bundle = await vault.jsonOrNotFound<SecretBundle | null>({ operation: 'getSecret', method: 'GET', url })
    if (bundle === null) throw new ActionableError(`Key Vault's answer to GET ${url} is null; re-run the step.`)
    if (bundle?.value) mask(bundle.value)
    return bundle
  } catch (error) {
    // Key Vault will not show a disabled version, only say that it is disabled.
    if (error instanceof VaultError && error.innerCode === 'SecretDisabled') return { attributes: { enabled: false } }
    throw error
  }
}

/** A stored version with the vault's answer about it, for callers that check what was stored. */
export interface StoreResult extends StoredSecret {
  readonly answer: SecretBundle
}

/**
 * How a re-run of the calling action treats a version that may have been stored, for the
 * messages after a lost answer; undefined: the root action's if-exists advice.
 */
export interface StoreAdvice {
  /** After "A version may have been stored: list them with …,". */
  readonly maybeStored: string
  /** After "Check with az keyvault secret list-versions …, then". */
  readonly unknown: string
}

/** How often a PUT whose outcome is unknown is sent again, each time after finding the vault had not stored it. */
const RESENDS = 2
/** The newest versions compared with a PUT whose answer was lost: a run's own is among the very last. */
const CANDIDATES = 5

/**
 * Stores `value` as a new version of secret `name`, exactly once: when the outcome of a PUT is
 * unknown (its answer lost to a reset or a timeout, or a 5xx), the vault may have stored it, so
 * its newest versions are read and ours, recognised by its wrapped value (unique to this
 * attempt: RSA padding is random), is the result; the PUT is sent again only when the vault
 * has no such version, and after the last one the step says that nothing was stored.
 */
export async function storeSecret(
  vault: VaultClient,
  ref: VaultRef,
  name: string,
  value: string,
  tags: Record<string, string>,
  advice?: StoreAdvice
): Promise<StoreResult> {
  const body = JSON.stringify({ value, contentType: CONTENT_TYPE, tags, attributes: { enabled: true } })
  const url = secretUrl(ref, name)
  const request = `PUT ${url}`
  const maybeStored =
    `A version may have been stored: list them with az keyvault secret list-versions --vault-name ${ref.name} --name ${name}, ` +
    (advice?.maybeStored ??
      'disable any you did not expect (az keyvault secret set-attributes --enabled false), then re-run with if-exists: new-version.')
  for (let resends = 0; ; resends++) {
    try {
      const answer = await vault.json<SecretBundle | null>({ operation: 'setSecret', method: 'PUT', url, body, masked: [value] })
      return { ...storedSecret(ref, name, answer, request, maybeStored), answer: answer ?? {} }
    } catch (error) {
      // Whatever redirected the PUT may have passed it on first.
      if (error instanceof VaultError && error.status >= 300 && error.status < 400) {
        throw new ActionableError(`${describeError(error, {})} ${maybeStored}`, { cause: error })
      }
      const lost = unknownOutcome(error, request)
      if (!lost) throw error
      const ours = await findStoredVersion(vault, ref, name, value, lost, advice)
      if (ours) {
        core.info(`${lost}; the vault had stored version ${ours.version}; not stored again.`)
        return ours
      }
      if (resends >= RESENDS) {
        throw new ActionableError(
          `${lost}, ${resends + 1} times, and the vault has no version of '${name}' from this run: nothing was stored. ` +
            `${describeError(error, {})} Re-run the step.`,
          { cause: error }
        )
      }
      core.info(`${lost}; the vault had not stored it; sending it again.`)
    }
  }
}

/** How a PUT failed when the vault may have stored it anyway, or undefined when it did not. */
function unknownOutcome(error: unknown, request: string): string | undefined {
  if (error instanceof VaultError)
    return outcomeUnknown(error.status) ? `${request} failed (HTTP ${error.status}), perhaps after the vault stored it` : undefined
  const code = lostConnection(error)
  return code && `The answer to ${request} was lost (${untrusted(code, 40)})`
}

/** The version of `name` whose value is `value`, among the newest few wrapped BEKs, if the vault has it. */
async function findStoredVersion(
  vault: VaultClient,
  ref: VaultRef,
  name: string,
  value: string,
  lost: string,
  advice?: StoreAdvice
): Promise<StoreResult | undefined> {
  let versions: SecretItem[]
  try {
    versions = await listSecretVersions(vault, ref.url, name)
  } catch (error) {
    // No secret of that name: nothing was stored under it.
    if (error instanceof VaultError && error.status === 404) return undefined
    throw new ActionableError(
      `${lost}, and the vault's versions of '${name}' could not be read to find out whether it stored it: ${describeError(error, {})} ` +
        `Check with az keyvault secret list-versions --vault-name ${ref.name} --name ${name}, then ${advice?.unknown ?? 're-run with if-exists: reuse to keep a stored one.'}`,
      { cause: error }
    )
  }
  const candidates = versions
    .filter((version) => version.enabled && version.contentType === CONTENT_TYPE)
    .sort((a, b) => (b.created ?? 0) - (a.created ?? 0))
    .slice(0, CANDIDATES)
  for (const candidate of candidates) {
    const bundle = await vault.json<SecretBundle | null>({ operation: 'getSecret', method: 'GET', url: candidate.id, masked: [value] })
    if (bundle?.value === value) return { ...storedSecret(ref, name, bundle, `GET ${candidate.id}`), answer: bundle }
  }
  return undefined
}

/** Disables one stored version, so that neither ADE nor a later if-exists: reuse can use it. */
export async function disableSecret(vault: VaultClient, secret: StoredSecret): Promise<void> {
  const body = JSON.stringify({ attributes: { enabled: false } })
  await vault.json({ operation: 'setSecret', method: 'PATCH', url: secret.url, body })
}

/** Why an existing secret is not a wrapped BEK this action could reuse, or undefined if it is one. */
export function notAWrappedBek(bundle: SecretBundle): string | undefined {
  if (bundle.attributes?.enabled === false) return 'its latest version is disabled'
  if (bundle.contentType !== CONTENT_TYPE) return `its content type is '${untrusted(bundle.contentType ?? '', 100)}', not '${CONTENT_TYPE}'`
  if (!bundle.tags?.[TAG_KEK_URL]) return `it has no ${TAG_KEK_URL} tag`
  return undefined
}

/** The stored version an answer names, checked to be a version of secret `name` in `ref`. */
export function storedSecret(ref: VaultRef, name: string, bundle: SecretBundle | null, request: string, after?: string): StoredSecret {
  const url = checkSecretId(bundle?.id, ref, name, request, after)
  return { name, url, version: url.slice(url.lastIndexOf('/') + 1) }
}
