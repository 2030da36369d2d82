/** Reads and stores the Key Vault secret that holds a wrapped BEK. */
import * as core from '@actions/core'
import { ActionableError } from './actionable-error.ts'
import { checkSecretId } from './answer-checks.ts'
import { describeError } from './errors.ts'
import type { VaultRef } from './inputs.ts'
import { untrusted } from './untrusted.ts'
import { CONTENT_TYPE, TAG_KEK_URL } from './tags.ts'
import { type VaultClient, VaultError } from './vault-client.ts'

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
    if (bundle?.value) core.setSecret(bundle.value)
    return bundle
  } catch (error) {
    // Key Vault will not show a disabled version, only say that it is disabled.
    if (error instanceof VaultError && error.innerCode === 'SecretDisabled') return { attributes: { enabled: false } }
    throw error
  }
}

export async function storeSecret(
  vault: VaultClient,
  ref: VaultRef,
  name: string,
  value: string,
  tags: Record<string, string>
): Promise<StoredSecret> {
  const body = JSON.stringify({ value, contentType: CONTENT_TYPE, tags, attributes: { enabled: true } })
  const request = `PUT ${secretUrl(ref, name)}`
  const maybeStored =
    `A version may have been stored: list them with az keyvault secret list-versions --vault-name ${ref.name} --name ${name}, ` +
    'disable any you did not expect (az keyvault secret set-attributes --enabled false), then re-run with if-exists: new-version.'
  const answer = vault
    .json<SecretBundle | null>({ operation: 'setSecret', method: 'PUT', url: secretUrl(ref, name), body })
    .catch((error: unknown) => {
      // Whatever redirected the PUT may have passed it on first.
      if (error instanceof VaultError && error.status >= 300 && error.status < 400) {
        throw new ActionableError(`${describeError(error, {})} ${maybeStored}`, { cause: error })
      }
      throw error
    })
  return storedSecret(ref, name, await answer, request, maybeStored)
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
