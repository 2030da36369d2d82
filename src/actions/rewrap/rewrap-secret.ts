/**
 * Rewraps one BEK secret in place, so that no enabled latest version is ever unverified: the
 * vault unwraps its latest value with the KEK version its tag names, wraps the same bytes with
 * the target, and unwraps the new wrap again; only when that gives the same bytes is exactly
 * that value stored (once, even when answers are lost), as a new version of the same secret,
 * and the store's answer checked. A failure before the store stores nothing, so a re-run
 * simply does it again. The plaintext lives only in a Buffer, masked before any request that
 * carries it, and is zeroed whatever happens; old versions stay for VMs that still use them.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { checkSecretId } from '../../keyvault/answer-checks.ts'
import type { VaultPacer } from '../../keyvault/pacing.ts'
import { type SecretBundle, type StoreAdvice, type StoreResult, readSecret, storeSecret } from '../../keyvault/secrets.ts'
import { CONTENT_TYPE } from '../../ade/tags.ts'
import type { StepDeadline } from '../../net/deadline.ts'
import { type VaultClient, mask } from '../../keyvault/client.ts'
import type { WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { type WrappedKey, wrapKey } from '../../keyvault/wrap.ts'
import { checkBekFile, unwrapOld } from './old-value.ts'
import { checkNewWrap, verifyNewWrap } from '../../ade/verified-wrap.ts'
import { newestVersions } from './read.ts'
import type { PlanContext, RewrapPlan } from './plan.ts'
import { disableUnchecked } from './disable.ts'

export interface RewrapJob extends PlanContext {
  readonly vault: VaultClient
  readonly pacer: VaultPacer
  readonly deadline: Pick<StepDeadline, 'expired' | 'seconds'>
  /** An error as the user reads it, with who signed in. */
  readonly describe: (error: unknown) => string
}

export interface Rewrapped {
  readonly name: string
  readonly secretUrl: string
  readonly previousSecretUrl: string
  readonly kekUrl: string
  readonly previousKekUrl: string
  /** Tagged as a Windows .BEK file but holding a raw key (warned about once per run). */
  readonly rawKey?: boolean
}

/** What a re-run of the rewrap does with work already done: the advice after a refused wait or a lost write. */
export const RERUN =
  're-run the step: a secret already on the target KEK is skipped, and a version this rewrap stored holds the value it verified before sending it'

const STORE_ADVICE: StoreAdvice = {
  maybeStored: `each holds the value this run verified before sending it, so it is safe to keep; ${RERUN}.`,
  unknown: `${RERUN}.`
}

export async function rewrap(job: RewrapJob, step: RewrapPlan, bundle: SecretBundle): Promise<Rewrapped> {
  const { vault, pacer, target } = job
  const algorithm = job.algorithm ?? step.oldAlgorithm
  let plain: Buffer | undefined
  try {
    await pacer.keyOperations.take()
    plain = await stage(job, `Unwrapping its value with ${step.oldKekUrl}`, () => unwrapOld(vault, step, bundle.value ?? ''))
    const rawKey = checkBekFile(step, bundle.tags ?? {}, plain)
    const wrapped = await wrapChecked(job, algorithm, plain)
    await pacer.keyOperations.take()
    await stage(job, 'Verification', () => verifyNewWrap(vault, wrapped, algorithm, plain!))
    await stage(job, 'Reading its latest version again before storing', () => checkStillLatest(job, step))
    await pacer.secretCreates.take()
    const stored = await stage(
      job,
      'Storing the new version',
      () => storeSecret(vault, job.vaultRef, step.name, wrapped.value, { ...step.tags }, STORE_ADVICE),
      step.name
    )
    await checkStoreAnswer(job, step, stored, wrapped.value)
    const previousKekUrl = step.oldKekUrl
    return { name: step.name, secretUrl: stored.url, previousSecretUrl: step.secretUrl, kekUrl: target.kid, previousKekUrl, rawKey }
  } finally {
    plain?.fill(0)
  }
}

/** The target's wrap of `plain`, checked: the target's own version, one RSA block. Masks the plaintext first. */
export async function wrapChecked(job: RewrapJob, algorithm: WrapAlgorithm, plain: Buffer): Promise<WrappedKey> {
  const { target } = job
  // An answer that echoes the request (a proxy's error page, say) must not print the key.
  mask(plain.toString('base64url'))
  await job.pacer.keyOperations.take()
  const wrapped = await stage(job, `Wrapping it with ${target.kid}`, () => wrapKey(job.vault, job.targetRef, target.kid, algorithm, plain))
  checkNewWrap(wrapped, target)
  return wrapped
}

/** Another run (or client) that stored a version since this one read the secret has the last word: never store over it. */
async function checkStillLatest(job: RewrapJob, step: RewrapPlan): Promise<void> {
  let now: string | undefined
  let read: string
  if (step.disabledLatest) {
    read = step.disabledLatest
    now = (await newestVersions(job.vault, job.vaultRef, step.name))[0]?.id
    if (now === read) return
  } else {
    read = step.secretUrl
    const request = `GET ${job.vaultRef.url}/secrets/${step.name}`
    const latest = await readSecret(job.vault, job.vaultRef, step.name)
    now = latest?.id === undefined ? undefined : checkSecretId(latest.id, job.vaultRef, step.name, request, 'Re-run the step.')
    if (now === read) return
    now ??= latest ? 'a disabled version' : 'nothing (the secret was deleted)'
  }
  throw new ActionableError(
    `Its latest version is now ${now ?? 'gone'}, not ${read} as this run read it: another run or client wrote it since, so nothing was stored over it. ` +
      'Re-run the step to rewrap the latest version; run one rewrap per vault at a time (a concurrency group, see the README).'
  )
}

/** The store's answer must hold what was sent; a version that does not is disabled, never left for ADE. */
async function checkStoreAnswer(job: RewrapJob, step: RewrapPlan, stored: StoreResult, value: string): Promise<void> {
  const { answer } = stored
  const sent = Object.entries(step.tags)
  const tags = answer.tags ?? {}
  const differs =
    answer.value !== value
      ? 'value'
      : answer.contentType !== CONTENT_TYPE
        ? 'content type'
        : sent.length !== Object.keys(tags).length || sent.some(([name, tag]) => tags[name] !== tag)
          ? 'tags'
          : undefined
  if (!differs) return
  await disableUnchecked(job, stored, `The vault's answer to storing ${stored.url} holds a different ${differs} from the one sent`)
}

/**
 * Runs one stage of the rewrap; its failure says which stage failed, whether anything was
 * stored, and what to do. `storing`: the secret this stage may have stored a (verified) version of.
 */
export async function stage<T>(job: RewrapJob, what: string, work: () => Promise<T>, storing?: string): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const stored = storing
      ? ` A version may have been stored: list them with az keyvault secret list-versions --vault-name ${job.vaultRef.name} --name ${storing}; it holds the value this run verified.`
      : ' Nothing was stored.'
    if (job.deadline.expired) {
      throw new ActionableError(
        `${what} was cut off by the step's deadline (timeout-seconds: ${job.deadline.seconds}).${stored} Raise timeout-seconds, then ${RERUN}.`,
        { cause: error }
      )
    }
    const said = job.describe(error)
    const next = /re-run/i.test(said) ? '' : ` Then ${RERUN}.`
    throw new ActionableError(`${what} failed${storing ? '' : ', so nothing was stored'}: ${said}${next}`, { cause: error })
  }
}
