/**
 * One source as read, and what copying it takes: the versioned URL read (value masked), the KEK
 * version and algorithm its tags name, and the tags its copy gets. A source that is not a wrapped
 * BEK is skipped with the reason; one that cannot be copied fails with what to do.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { checkSecretId } from '../../keyvault/answer-checks.ts'
import { type VaultClient, mask } from '../../keyvault/client.ts'
import type { SecretBundle } from '../../keyvault/secrets.ts'
import type { Cloud } from '../../net/clouds.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'
import { CONTENT_TYPE, MAX_TAGS, TAG_ALGORITHM, TAG_CREATED_BY, TAG_KEK_URL } from '../../ade/tags.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { untrusted } from '../../runner/untrusted.ts'
import type { CopyItem } from './inputs.ts'

/** ADE's content type for a BEK stored without a KEK. */
const PLAIN_BEK = 'BEK'

export type SourceRead =
  | { readonly kind: 'skip'; readonly reason: string }
  | {
      readonly kind: 'copy'
      /** The versioned URL read. */
      readonly sourceSecretUrl: string
      readonly value: string
      readonly tags: Readonly<Record<string, string>>
      readonly kekUrl: string
      readonly kekVaultUrl: string
      readonly algorithm: WrapAlgorithm
    }

export async function readSource(vault: VaultClient, item: CopyItem, cloud: Cloud): Promise<SourceRead> {
  const { source } = item
  const url = `${source.vault.url}/secrets/${source.name}/${source.version ?? ''}`
  const bundle = await vault.jsonOrNotFound<SecretBundle | null>({ operation: 'getSecret', method: 'GET', url })
  if (bundle?.value) mask(bundle.value)
  if (!bundle) throw new ActionableError(`${untrusted(item.sourceUrl)} does not exist (or its version was deleted); check secret-url.`)
  const sourceSecretUrl = checkSecretId(bundle.id, source.vault, source.name, `GET ${url}`, 'Re-run the step.')
  if (source.version && !sourceSecretUrl.endsWith(`/${source.version}`)) {
    throw new ActionableError(
      `Key Vault's answer to GET ${url} names ${sourceSecretUrl}, another version; refusing to copy it. Re-run the step.`
    )
  }
  const kekTag = bundle.tags?.[TAG_KEK_URL]
  if (bundle.contentType === PLAIN_BEK && !kekTag) {
    return {
      kind: 'skip',
      reason:
        'a BEK without a KEK (content type BEK): copy-keys copies wrapped BEKs only. Re-encrypt the VM with a KEK (az vm encryption enable --key-encryption-key …), then copy its new secret.'
    }
  }
  if (bundle.contentType !== CONTENT_TYPE || !kekTag) {
    return {
      kind: 'skip',
      reason: `not a wrapped BEK (content type '${untrusted(bundle.contentType ?? '', 100)}'${kekTag ? '' : `, no ${TAG_KEK_URL} tag`}): leave it out of secret-url.`
    }
  }
  if (bundle.attributes?.enabled === false)
    throw new ActionableError(`${sourceSecretUrl} is disabled; enable it or name an enabled version in secret-url.`)
  const kek = parseKekVersion(kekTag, cloud)
  if (!kek)
    throw new ActionableError(
      `${sourceSecretUrl} names the KEK '${untrusted(kekTag)}', not a versioned key of a vault in ${cloud.name}; it cannot be unwrapped.`
    )
  const algorithmTag = bundle.tags?.[TAG_ALGORITHM] ?? 'RSA-OAEP'
  const algorithm = WRAP_ALGORITHMS.find((alg) => alg === algorithmTag)
  if (!algorithm)
    throw new ActionableError(
      `${sourceSecretUrl} names the algorithm '${untrusted(algorithmTag)}', which is not one of ${WRAP_ALGORITHMS.join(', ')}.`
    )
  return {
    kind: 'copy',
    sourceSecretUrl,
    value: bundle.value ?? '',
    tags: bundle.tags ?? {},
    kekUrl: kek.url,
    kekVaultUrl: kek.vaultUrl,
    algorithm
  }
}

/** The copy's tags: the source's, with the target KEK (and algorithm), and CreatedBy naming this run; within Key Vault's 15. */
export function targetTags(
  source: Extract<SourceRead, { kind: 'copy' }>,
  targetKid: string,
  algorithm: WrapAlgorithm,
  algorithmChosen: boolean,
  createdBy: string | undefined
): Record<string, string> {
  const tags: Record<string, string> = { ...source.tags, [TAG_KEK_URL]: targetKid, [TAG_ALGORITHM]: algorithm }
  if (!source.tags[TAG_ALGORITHM] && !algorithmChosen) delete tags[TAG_ALGORITHM]
  if (createdBy) {
    for (const name of Object.keys(tags)) if (name.toLowerCase() === TAG_CREATED_BY.toLowerCase()) delete tags[name]
    tags[TAG_CREATED_BY] = createdBy
  }
  if (Object.keys(tags).length > MAX_TAGS) {
    throw new ActionableError(
      `Its copy would need ${Object.keys(tags).length} tags with ${TAG_CREATED_BY}, more than the ${MAX_TAGS} Key Vault allows; remove one of the source's tags and re-run.`
    )
  }
  return tags
}
