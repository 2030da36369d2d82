/**
 * Where one secret stands before any key operation, judged from its latest version as already
 * read: on the target, to rewrap (and from which KEK version), or not rewrappable and why.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { checkSecretId } from '../../keyvault/answer-checks.ts'
import type { Cloud } from '../../net/clouds.ts'
import type { Kek } from '../../ade/kek.ts'
import type { KekRef, VaultRef } from '../../keyvault/refs.ts'
import { type SecretBundle, notAWrappedBek } from '../../keyvault/secrets.ts'
import { MAX_TAGS, TAG_ALGORITHM, TAG_CREATED_BY, TAG_KEK_URL } from '../../ade/tags.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'

/** What every secret's plan needs of the run. */
export interface PlanContext {
  readonly vaultRef: VaultRef
  readonly cloud: Cloud
  readonly target: Kek
  readonly targetRef: KekRef
  /** Undefined: keep the secret's own. */
  readonly algorithm?: WrapAlgorithm
  /** The run doing the rewrap, for the new version's CreatedBy tag; undefined: keep the secret's tags. */
  readonly createdBy?: string
  /** Lower-case URLs of the vaults whose keys may unwrap an old BEK: key-vault, the target's, kek-vaults. */
  readonly kekVaults: ReadonlySet<string>
}

export type Plan =
  | { readonly kind: 'current'; readonly name: string }
  /** Its KEK is in a vault the inputs do not name: no token goes there. */
  | { readonly kind: 'elsewhere'; readonly name: string; readonly oldKekUrl: string; readonly vaultUrl: string }
  | {
      readonly kind: 'rewrap'
      readonly name: string
      /** The latest version as read, checked to be a version of this secret in key-vault. */
      readonly secretUrl: string
      readonly oldKekUrl: string
      readonly oldAlgorithm: WrapAlgorithm
      /** The tags of the new version. */
      readonly tags: Readonly<Record<string, string>>
      /** The disabled latest version, when the version rewrapped is the one before it (read.ts). */
      readonly disabledLatest?: string
    }

export type RewrapPlan = Extract<Plan, { kind: 'rewrap' }>

/** Reads nothing: judges the latest version already read (value masked by readSecret). */
export function plan(context: PlanContext, name: string, bundle: SecretBundle | undefined, disabledLatest?: string): Plan {
  if (!bundle) throw new ActionableError(`The secret ${name} does not exist in ${context.vaultRef.url}; check secret-name.`)
  const why = notAWrappedBek(bundle)
  if (why) throw new ActionableError(`The secret ${name} is not a wrapped BEK: ${untrusted(why)}. Leave it out of secret-name.`)
  // The id becomes previous-secret-url and the version compared before storing: it must name this secret.
  const secretUrl = checkSecretId(bundle.id, context.vaultRef, name, `GET ${context.vaultRef.url}/secrets/${name}`, 'Re-run the step.')
  const tag = bundle.tags?.[TAG_KEK_URL] ?? ''
  const old = parseKekVersion(tag, context.cloud)
  if (!old) {
    throw new ActionableError(
      `The secret ${name} names the KEK '${untrusted(tag)}', not a versioned key of a vault in ${context.cloud.name}; it cannot be unwrapped to rewrap it.`
    )
  }
  if (old.url.toLowerCase() === context.target.kid.toLowerCase()) return { kind: 'current', name }
  if (!context.kekVaults.has(old.vaultUrl.toLowerCase())) return { kind: 'elsewhere', name, oldKekUrl: old.url, vaultUrl: old.vaultUrl }
  const algorithmTag = bundle.tags?.[TAG_ALGORITHM] ?? 'RSA-OAEP'
  const oldAlgorithm = WRAP_ALGORITHMS.find((alg) => alg === algorithmTag)
  if (!oldAlgorithm) {
    throw new ActionableError(
      `The secret ${name} names the algorithm '${untrusted(algorithmTag)}', which is not one of ${WRAP_ALGORITHMS.join(', ')}.`
    )
  }
  const tags = newVersionTags(context, bundle, context.algorithm ?? oldAlgorithm)
  if (Object.keys(tags).length > MAX_TAGS) {
    throw new ActionableError(
      `The secret ${name} would need ${Object.keys(tags).length} tags with ${TAG_CREATED_BY}, more than the ${MAX_TAGS} Key Vault allows; remove one of its tags, or set provenance: false.`
    )
  }
  return { kind: 'rewrap', name, secretUrl, oldKekUrl: old.url, oldAlgorithm, tags, disabledLatest }
}

/** The secret's tags, on the target; with provenance, CreatedBy names this run: the new version is its work. */
function newVersionTags(context: PlanContext, bundle: SecretBundle, algorithm: WrapAlgorithm): Record<string, string> {
  const tags: Record<string, string> = { ...bundle.tags, [TAG_KEK_URL]: context.target.kid, [TAG_ALGORITHM]: algorithm }
  if (!bundle.tags?.[TAG_ALGORITHM] && !context.algorithm) delete tags[TAG_ALGORITHM]
  if (context.createdBy) {
    for (const name of Object.keys(tags)) if (name.toLowerCase() === TAG_CREATED_BY.toLowerCase()) delete tags[name]
    tags[TAG_CREATED_BY] = context.createdBy
  }
  return tags
}
