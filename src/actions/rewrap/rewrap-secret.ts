/**
 * Rewraps one BEK secret in place: the vault unwraps its latest value with the KEK version its
 * tag names, wraps the same bytes with the target, and the result is stored as a new version
 * of the same secret, then unwrapped again and compared. The plaintext lives only in a Buffer
 * for those calls and is zeroed whatever happens; old versions stay for VMs that still use them.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import type { Cloud } from '../../net/clouds.ts'
import type { KekRef, VaultRef } from '../../keyvault/refs.ts'
import type { Kek } from '../../ade/kek.ts'
import { decodeJsonBase64UrlField } from '../../ade/key-bytes.ts'
import type { VaultPacer } from '../../keyvault/pacing.ts'
import { type SecretBundle, disableSecret, notAWrappedBek, storeSecret } from '../../keyvault/secrets.ts'
import { MAX_TAGS, TAG_ALGORITHM, TAG_CREATED_BY, TAG_KEK_URL } from '../../ade/tags.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { VaultError, type VaultClient } from '../../keyvault/client.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { verifyUnwrap, wrapKey } from '../../keyvault/wrap.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'

export interface RewrapJob {
  readonly vault: VaultClient
  readonly vaultRef: VaultRef
  readonly cloud: Cloud
  readonly target: Kek
  /** The target as the inputs name it: its vault bounds the kid the wrap may answer with. */
  readonly targetRef: KekRef
  /** Undefined: keep the secret's own. */
  readonly algorithm?: WrapAlgorithm
  readonly pacer: VaultPacer
  /** The run doing the rewrap, for the new version's CreatedBy tag; undefined: keep the secret's tags. */
  readonly createdBy?: string
}

export interface Rewrapped {
  readonly name: string
  readonly secretUrl: string
  readonly previousSecretUrl: string
  readonly kekUrl: string
  readonly previousKekUrl: string
}

/** Where a secret's latest version stands before any key operation. */
export type Plan =
  | { readonly kind: 'current'; readonly name: string }
  | {
      readonly kind: 'rewrap'
      readonly name: string
      readonly secretUrl: string
      readonly oldKekUrl: string
      readonly oldAlgorithm: WrapAlgorithm
    }

/** Reads nothing: judges the latest version already read (value masked by readSecret). */
export function plan(job: RewrapJob, name: string, bundle: SecretBundle | undefined): Plan {
  if (!bundle) throw new ActionableError(`The secret ${name} does not exist in ${job.vaultRef.url}; check secret-name.`)
  const why = notAWrappedBek(bundle)
  if (why) throw new ActionableError(`The secret ${name} is not a wrapped BEK: ${untrusted(why)}. Leave it out of secret-name.`)
  const tag = bundle.tags?.[TAG_KEK_URL] ?? ''
  const old = parseKekVersion(tag, job.cloud)
  if (!old) {
    throw new ActionableError(
      `The secret ${name} names the KEK '${untrusted(tag)}', not a versioned key of a vault in ${job.cloud.name}; it cannot be unwrapped to rewrap it.`
    )
  }
  if (old.url.toLowerCase() === job.target.kid.toLowerCase()) return { kind: 'current', name }
  const algorithmTag = bundle.tags?.[TAG_ALGORITHM] ?? 'RSA-OAEP'
  const oldAlgorithm = WRAP_ALGORITHMS.find((alg) => alg === algorithmTag)
  if (!oldAlgorithm) {
    throw new ActionableError(
      `The secret ${name} names the algorithm '${untrusted(algorithmTag)}', which is not one of ${WRAP_ALGORITHMS.join(', ')}.`
    )
  }
  const tags = Object.keys(newVersionTags(job, bundle, job.algorithm ?? oldAlgorithm)).length
  if (tags > MAX_TAGS) {
    throw new ActionableError(
      `The secret ${name} would need ${tags} tags with ${TAG_CREATED_BY}, more than the ${MAX_TAGS} Key Vault allows; remove one of its tags, or set provenance: false.`
    )
  }
  return { kind: 'rewrap', name, secretUrl: bundle.id ?? '', oldKekUrl: old.url, oldAlgorithm }
}

/** The secret's tags, on the target; with provenance, CreatedBy names this run: the new version is its work. */
function newVersionTags(job: RewrapJob, bundle: SecretBundle, algorithm: WrapAlgorithm): Record<string, string> {
  const tags: Record<string, string> = { ...bundle.tags, [TAG_KEK_URL]: job.target.kid, [TAG_ALGORITHM]: algorithm }
  if (!bundle.tags?.[TAG_ALGORITHM] && !job.algorithm) delete tags[TAG_ALGORITHM]
  if (job.createdBy) {
    for (const name of Object.keys(tags)) if (name.toLowerCase() === TAG_CREATED_BY.toLowerCase()) delete tags[name]
    tags[TAG_CREATED_BY] = job.createdBy
  }
  return tags
}

export async function rewrap(job: RewrapJob, step: Extract<Plan, { kind: 'rewrap' }>, bundle: SecretBundle): Promise<Rewrapped> {
  const { vault, pacer, target } = job
  const algorithm = job.algorithm ?? step.oldAlgorithm
  let plain: Buffer | undefined
  try {
    await pacer.keyOperations.take()
    plain = await unwrapOld(vault, step, bundle.value ?? '')
    await pacer.keyOperations.take()
    const wrapped = await wrapKey(vault, job.targetRef, target.kid, algorithm, plain)
    if (wrapped.kid.toLowerCase() !== target.kid.toLowerCase()) {
      throw new ActionableError(`Key Vault wrapped ${step.name} with ${untrusted(wrapped.kid)}, not ${target.kid}; nothing was stored.`)
    }
    const tags = newVersionTags(job, bundle, algorithm)
    await pacer.secretCreates.take()
    const stored = await storeSecret(vault, job.vaultRef, step.name, wrapped.value, tags)
    try {
      await pacer.keyOperations.take()
      await verifyUnwrap(vault, wrapped, algorithm, plain)
    } catch (error) {
      // A version that does not unwrap to the same bytes must never be used by ADE.
      await disableSecret(vault, stored)
      throw error
    }
    return { name: step.name, secretUrl: stored.url, previousSecretUrl: step.secretUrl, kekUrl: target.kid, previousKekUrl: step.oldKekUrl }
  } finally {
    plain?.fill(0)
  }
}

async function unwrapOld(vault: VaultClient, step: Extract<Plan, { kind: 'rewrap' }>, value: string): Promise<Buffer> {
  const body = Buffer.from(JSON.stringify({ alg: step.oldAlgorithm, value }))
  try {
    const answer = await vault.bytes({ operation: 'unwrapKey', method: 'POST', url: `${step.oldKekUrl}/unwrapkey`, body })
    try {
      return decodeJsonBase64UrlField(answer, 'value')
    } finally {
      answer.fill(0)
    }
  } catch (error) {
    const disabled = error instanceof VaultError && error.status === 403 && /disabled|expired|not valid/i.test(error.message)
    if (disabled || (error instanceof VaultError && error.status === 404)) {
      throw new ActionableError(
        `${step.name}: Key Vault cannot unwrap it with ${step.oldKekUrl} (${disabled ? 'disabled or outside its dates' : 'missing'}). ` +
          'Re-enable that KEK version for the rewrap (az keyvault key set-attributes --enabled true --version …), then re-run.'
      )
    }
    throw error
  } finally {
    body.fill(0)
  }
}
