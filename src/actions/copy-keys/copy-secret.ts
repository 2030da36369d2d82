/**
 * Copies one wrapped BEK to the target vault, so that no enabled target version is ever
 * unverified: the source's vault unwraps it with the KEK version its tags name (unwrapKey, never
 * decrypt), the target wraps the same bytes (wrapKey, never encrypt), the target's vault unwraps
 * the new wrap back to the same bytes, and only then is exactly that value stored, once even
 * when answers are lost, and the store's answer checked. With if-exists: sync, a target already
 * in sync is left as it is. The plaintext lives only in a Buffer, masked before any request that
 * carries it, and zeroed whatever happens.
 */
import { timingSafeEqual } from 'node:crypto'
import * as core from '@actions/core'
import { ActionableError } from '../../runner/actionable-error.ts'
import { checkSecretId } from '../../keyvault/answer-checks.ts'
import { type VaultClient, mask } from '../../keyvault/client.ts'
import type { VaultPacer } from '../../keyvault/pacing.ts'
import type { KekRef, VaultRef } from '../../keyvault/refs.ts'
import { type SecretBundle, type StoreAdvice, disableSecret, readSecret, storeSecret } from '../../keyvault/secrets.ts'
import { wrapKey } from '../../keyvault/wrap.ts'
import { generateKey } from '../../ade/key-bytes.ts'
import type { Kek } from '../../ade/kek.ts'
import { CONTENT_TYPE, TAG_ALGORITHM, TAG_FILE_NAME, TAG_KEK_URL } from '../../ade/tags.ts'
import type { WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { checkBekFile, checkNewWrap, unwrapWithKek, verifyNewWrap } from '../../ade/verified-wrap.ts'
import type { IfExists } from './inputs.ts'
import { type SourceRead, targetTags } from './source.ts'

export interface CopyJob {
  readonly vault: VaultClient
  readonly targetVault: VaultRef
  readonly target: Kek
  readonly targetRef: KekRef
  readonly algorithm?: WrapAlgorithm
  readonly ifExists: IfExists
  readonly createdBy?: string
  /** The pacer of a vault (by URL). */
  readonly pacer: (vaultUrl: string) => VaultPacer
  readonly dryRun: boolean
  /** Dry run: wrapKey proven once per algorithm, with a throw-away random key. */
  readonly wrapChecks: Map<WrapAlgorithm, Promise<void>>
}

/** planned: a dry run that would store a version (secretUrl: the target's current one, or empty). */
export type CopyResult = { readonly state: 'stored' | 'unchanged' | 'planned'; readonly secretUrl: string; readonly rawKey: boolean }

export const RERUN =
  're-run the step with if-exists: sync: a target already in sync is left as it is, and a version this run stored holds the value it verified before sending it'
const STORE_ADVICE: StoreAdvice = {
  maybeStored: `each holds the value this run verified before sending it, so it is safe to keep; ${RERUN}.`,
  unknown: `${RERUN}.`
}

export async function copySecret(job: CopyJob, source: Extract<SourceRead, { kind: 'copy' }>, targetName: string): Promise<CopyResult> {
  const algorithm = job.algorithm ?? source.algorithm
  const tags = targetTags(source, job.target.kid, algorithm, job.algorithm !== undefined, job.createdBy)
  const targetPacer = job.pacer(job.targetVault.url)
  const existing = await readSecret(job.vault, job.targetVault, targetName)
  const existingId = existing?.id === undefined ? undefined : checkTargetId(job, targetName, existing.id)
  if (existing && job.ifExists === 'fail') {
    throw new ActionableError(
      `The target ${job.targetVault.url}/secrets/${targetName} exists already; nothing was stored. Give another name in secret-name, or set if-exists: sync to bring it in line with the source.`
    )
  }
  let plain: Buffer | undefined
  try {
    await job.pacer(source.kekVaultUrl).keyOperations.take()
    plain = await unwrapWithKek(job.vault, source.kekUrl, source.algorithm, source.value, 'copy-keys')
    const rawKey = checkBekFile(source.kekUrl, source.tags, plain, 'secret-url')
    // An answer that echoes a request (a proxy's error page, say) must not print the key.
    mask(plain.toString('base64url'))
    if (existing && existingId && (await inSync(job, existing, source, algorithm, plain)))
      return { state: 'unchanged', secretUrl: existingId, rawKey }
    if (job.dryRun) {
      await proveWrap(job, algorithm)
      return { state: 'planned', secretUrl: existingId ?? '', rawKey }
    }
    await targetPacer.keyOperations.take()
    const wrapped = await wrapKey(job.vault, job.targetRef, job.target.kid, algorithm, plain)
    checkNewWrap(wrapped, job.target)
    await targetPacer.keyOperations.take()
    await verifyNewWrap(job.vault, wrapped, algorithm, plain)
    await stillLatest(job, targetName, latestState(job, targetName, existing))
    await targetPacer.secretCreates.take()
    const stored = await storeSecret(job.vault, job.targetVault, targetName, wrapped.value, { ...tags }, STORE_ADVICE)
    const { answer } = stored
    const sent = Object.entries(tags)
    const differs =
      answer.value !== wrapped.value
        ? 'value'
        : answer.contentType !== CONTENT_TYPE
          ? 'content type'
          : sent.length !== Object.keys(answer.tags ?? {}).length || sent.some(([name, tag]) => answer.tags?.[name] !== tag)
            ? 'tags'
            : undefined
    if (differs) {
      await disableSecret(job.vault, stored)
      throw new ActionableError(
        `The vault's answer to storing ${stored.url} holds a different ${differs} from the one sent; that version was disabled. ${RERUN}.`
      )
    }
    return { state: 'stored', secretUrl: stored.url, rawKey }
  } finally {
    plain?.fill(0)
  }
}

/** A dry run wraps nothing of a BEK's: one throw-away random key per algorithm proves wrapKey with the target, as the root action's dry run does. */
function proveWrap(job: CopyJob, algorithm: WrapAlgorithm): Promise<void> {
  let check = job.wrapChecks.get(algorithm)
  if (!check) {
    check = (async () => {
      const key = generateKey(256)
      try {
        mask(key.toString('base64url'))
        await job.pacer(job.targetVault.url).keyOperations.take()
        checkNewWrap(await wrapKey(job.vault, job.targetRef, job.target.kid, algorithm, key), job.target)
      } finally {
        key.fill(0)
      }
    })()
    check.catch(() => undefined)
    job.wrapChecks.set(algorithm, check)
  }
  return check
}

function checkTargetId(job: CopyJob, name: string, id: string): string {
  return checkSecretId(id, job.targetVault, name, `GET ${job.targetVault.url}/secrets/${name}`, 'Re-run the step.')
}

/**
 * The target's latest version is what a copy would store: enabled, a wrapped BEK with the
 * source's file name, on the requested target KEK version (and algorithm, when given), and the
 * target's vault unwraps it to the source's bytes. Anything else (unreadable included) is not.
 */
async function inSync(
  job: CopyJob,
  existing: SecretBundle,
  source: Extract<SourceRead, { kind: 'copy' }>,
  algorithm: WrapAlgorithm,
  plain: Buffer
): Promise<boolean> {
  const tags = existing.tags ?? {}
  const existingAlgorithm = tags[TAG_ALGORITHM] ?? 'RSA-OAEP'
  if (
    existing.attributes?.enabled === false ||
    existing.contentType !== CONTENT_TYPE ||
    !existing.value ||
    tags[TAG_FILE_NAME] !== source.tags[TAG_FILE_NAME] ||
    tags[TAG_KEK_URL]?.toLowerCase() !== job.target.kid.toLowerCase() ||
    (job.algorithm !== undefined && existingAlgorithm !== algorithm)
  ) {
    return false
  }
  await job.pacer(job.targetVault.url).keyOperations.take()
  let bytes: Buffer | undefined
  try {
    bytes = await unwrapWithKek(job.vault, job.target.kid, existingAlgorithm as WrapAlgorithm, existing.value, 'copy-keys')
    return bytes.length === plain.length && timingSafeEqual(bytes, plain)
  } catch (error) {
    core.info(
      `The target's latest version ${existing.id ?? ''} does not unwrap (${error instanceof Error ? error.message : String(error)}); storing a new one.`
    )
    return false
  } finally {
    bytes?.fill(0)
  }
}

/** The target's latest version as one string: its URL, a disabled version, or nothing. */
function latestState(job: CopyJob, name: string, latest: SecretBundle | undefined): string {
  if (latest?.id !== undefined) return checkTargetId(job, name, latest.id)
  return latest ? 'a disabled version' : 'nothing'
}

/** Another run (or client) that stored a target version since this one read it has the last word: never store over it. */
async function stillLatest(job: CopyJob, name: string, read: string): Promise<void> {
  const now = latestState(job, name, await readSecret(job.vault, job.targetVault, name))
  if (now === read) return
  throw new ActionableError(
    `The target's latest version is now ${now}, not ${read} as this run read it: another run or client wrote it since, so nothing was stored over it. ` +
      'Re-run the step; run one copy-keys per target vault at a time (a concurrency group).'
  )
}
