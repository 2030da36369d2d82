/**
 * Makes one wrapped BEK: a fresh key (or the key file's bytes), wrapped by the vault with the
 * KEK, stored as a secret ADE accepts. The plaintext is zeroed whatever happens.
 */
import * as core from '@actions/core'
import { ActionableError } from '../../runner/actionable-error.ts'
import { checkWrappedValue, kekUrlFromTag } from '../../keyvault/answer-checks.ts'
import { describeError } from '../../runner/errors.ts'
import type { Settings } from './inputs.ts'
import { type Kek, checkPlaintextFits } from '../../ade/kek.ts'
import { generateKey } from '../../ade/key-bytes.ts'
import type { KeyHandoff } from '../../handoff/write.ts'
import type { VaultPacer } from '../../keyvault/pacing.ts'
import {
  type SecretBundle,
  type StoredSecret,
  disableSecret,
  notAWrappedBek,
  readSecret,
  storeSecret,
  storedSecret
} from '../../keyvault/secrets.ts'
import { TAG_ALGORITHM, TAG_KEK_URL, buildTags } from '../../ade/tags.ts'
import { untrusted } from '../../runner/untrusted.ts'
import type { VaultClient } from '../../keyvault/client.ts'
import { WRAP_ALGORITHMS } from '../../ade/wrap-algorithms.ts'
import { type WrappedKey, verifyUnwrap, wrapKey } from '../../keyvault/wrap.ts'

export interface Bek extends StoredSecret {
  /** The versioned KEK URL the value is wrapped with. */
  readonly kekUrl: string
  /** True when an existing secret was kept (if-exists: reuse). */
  readonly reused: boolean
}

export interface BekJob {
  readonly vault: VaultClient
  readonly settings: Settings
  /** The checked KEK, shared by every BEK of the run. */
  readonly kek: Promise<Kek>
  /** The KEK's versioned URL once known, until then the URL from the inputs (versioned or not). */
  readonly kekUrlNow: () => string
  readonly pacer: VaultPacer
  /** Set with key-output-file: receives each key once its secret is stored (and verified). */
  readonly handoff?: KeyHandoff
  /** A warning for the log and the job summary. */
  readonly warn: (message: string) => void
  /**
   * Settles once checks made alongside (the vault resources') passed. No key operation goes out
   * before (no wrap, no unwrap of a reused BEK), so nothing is stored either: a vault ADE cannot use gets no request for its key.
   */
  readonly beforeWrap?: Promise<unknown>
}

export async function makeBek(job: BekJob, name: string): Promise<Bek> {
  const { vault, settings, pacer } = job
  // With if-exists: reuse the name is expected to exist (a re-run), so look before wrapping;
  // otherwise a name rarely stops the BEK, and the wrap goes out while it is checked.
  const checkFirst = settings.secretNamesMayExist && settings.ifExists === 'reuse'
  const checking = settings.secretNamesMayExist ? readSecret(vault, settings.vault, name) : Promise.resolve(undefined)
  checking.catch(() => undefined)
  if (checkFirst) {
    const existing = await checking
    const reuse = existing && decideOnExisting(settings, name, existing, job.warn)
    if (reuse) {
      if (settings.verify) {
        await job.beforeWrap
        await verifyReused(job, reuse, existing)
      }
      return reuse
    }
  }

  // The KEK read has usually answered before the vault checks; waiting for both to settle costs
  // nothing and lets a KEK failure (a firewall that blocks this runner, say) be reported beside
  // theirs, whichever fails first.
  if (job.beforeWrap) {
    const [checks, kekRead] = await Promise.allSettled([job.beforeWrap, job.kek])
    if (kekRead.status === 'rejected') throw kekRead.reason
    if (checks.status === 'rejected') throw checks.reason
  }
  const key = settings.keyFile?.bytes ?? generateKey(settings.keySizeBits)
  try {
    // Key Vault wraps with the current version when none is given; the answer says which.
    // Wrapping while the KEK is still being read saves a round trip; nothing is stored
    // before the KEK passed its checks.
    await pacer.keyOperations.take()
    const wrapping = wrapKey(vault, settings.kek, job.kekUrlNow(), settings.algorithm, key)
    wrapping.catch(() => undefined)
    if (!checkFirst) {
      const existing = await checking
      if (existing) decideOnExisting(settings, name, existing, job.warn)
    }
    const kek = await job.kek
    checkPlaintextFits(kek, settings.algorithm, key.length, settings.keyFile ? 'key-file' : 'key-size')
    const wrapped = await wrapping
    if (wrapped.kid !== kek.kid) {
      throw new ActionableError(`The KEK changed while this step ran: read ${kek.kid}, wrapped with ${wrapped.kid}. Re-run the step.`)
    }
    checkWrappedValue(wrapped.value, kek.bits, `POST ${wrapped.kid}/wrapkey`)
    const tags = buildTags({
      osType: settings.osType,
      secretName: name,
      bekFileName: settings.keyFile?.bek?.fileName,
      algorithm: settings.algorithm,
      kekUrl: kek.kid,
      extra: settings.tags,
      createdBy: settings.createdBy
    })
    await pacer.secretCreates.take()
    const stored = await storeSecret(vault, settings.vault, name, wrapped.value, tags)
    core.info(`Stored ${untrusted(stored.url)} (KEK ${untrusted(kek.kid)})`)
    if (settings.verify) {
      await pacer.keyOperations.take()
      await verifyUnwrap(vault, wrapped, settings.algorithm, key).catch(async (error: unknown) => {
        // A BEK is stored fully or not at all: an unverified one must not be used.
        await disableOrExplain(vault, settings, stored, describeVerifyFailure(error))
        throw new ActionableError(
          `${describeVerifyFailure(error)} The stored version ${stored.url} was disabled; run again with if-exists: new-version.`,
          { cause: error }
        )
      })
      core.info(`Verified: the vault unwraps ${untrusted(stored.url)} to the key.`)
    }
    job.handoff?.write(name, key)
    return { ...stored, kekUrl: kek.kid, reused: false }
  } finally {
    key.fill(0)
  }
}

/** Applies if-exists to a secret that is already there: the BEK to reuse, undefined to add a version, or an error. */
export function decideOnExisting(
  settings: Settings,
  name: string,
  existing: SecretBundle,
  warn: (message: string) => void
): Bek | undefined {
  const request = `GET ${settings.vault.url}/secrets/${name}`
  const current = existing.id === undefined ? undefined : storedSecret(settings.vault, name, existing, request)
  const where = `Secret '${untrusted(name)}' already exists in ${untrusted(settings.vault.name)}${current ? ` (version ${current.version})` : ''}`
  if (settings.ifExists === 'fail') {
    throw new ActionableError(
      `${where}. Set if-exists: reuse to keep it, if-exists: new-version to add a version, or choose another secret-name.`
    )
  }
  // A disabled latest version cannot be read, so it cannot be checked either; a new version is what was asked.
  if (settings.ifExists === 'new-version' && existing.attributes?.enabled === false) return undefined
  const problem = notAWrappedBek(existing)
  if (problem)
    throw new ActionableError(
      `${where} but is not a wrapped BEK this action can ${settings.ifExists === 'reuse' ? 'reuse' : 'add a version to'}: ${problem}.`
    )
  if (settings.ifExists === 'new-version') return undefined
  if (!current) throw new ActionableError(`Key Vault's answer to ${request} has no id; refusing to reuse it. Re-run the step.`)
  const tag = existing.tags?.[TAG_KEK_URL]
  const kekUrl = kekUrlFromTag(tag, settings.cloud)
  if (!kekUrl) {
    throw new ActionableError(
      `${where} but its ${TAG_KEK_URL} tag '${untrusted(tag, 200)}' is not a versioned key URL in a ${settings.cloud.name} Key Vault, so ADE could not use it. ` +
        'Fix the tag (az keyvault secret set-attributes --tags), or run with if-exists: new-version to store a new BEK.'
    )
  }
  const requested = `${settings.kek.vault.url}/keys/${settings.kek.name}/`.toLowerCase()
  if (!kekUrl.toLowerCase().startsWith(requested) || (settings.kek.version && !kekUrl.endsWith(`/${settings.kek.version.toLowerCase()}`))) {
    warn(
      `${where} wrapped with the KEK ${kekUrl}, not the requested ${requested.slice(0, -1)}${settings.kek.version ? `/${settings.kek.version}` : ''}; reusing it as asked. Run with if-exists: new-version to wrap a new BEK with the requested KEK.`
    )
  }
  core.info(`${where}; reusing it (if-exists: reuse). Its KEK is ${kekUrl}.`)
  return { ...current, kekUrl, reused: true }
}

/**
 * verify: true checks a reused BEK like a new one: the vault must unwrap it with its KEK (to
 * the key file's bytes, when one was given). A reused version that fails is left as it is:
 * it was not this run's to disable.
 */
async function verifyReused(job: BekJob, bek: Bek, existing: SecretBundle): Promise<void> {
  const { settings } = job
  const tagged = existing.tags?.[TAG_ALGORITHM]
  const algorithm = WRAP_ALGORITHMS.find((alg) => alg === tagged) ?? settings.algorithm
  const wrapped: WrappedKey = { kid: bek.kekUrl, value: existing.value ?? '' }
  await job.pacer.keyOperations.take()
  try {
    await verifyUnwrap(job.vault, wrapped, algorithm, settings.keyFile?.bytes)
  } catch (error) {
    throw new ActionableError(
      `${describeVerifyFailure(error)} The reused version ${bek.url} was not changed; check it, or run with if-exists: new-version to store a new BEK.`,
      { cause: error }
    )
  }
  core.info(`Verified: the vault unwraps ${untrusted(bek.url)}${settings.keyFile ? ' to the key file' : ''}.`)
}

/** Disables a version that failed verification; if that fails too, says both and how to finish by hand. */
async function disableOrExplain(vault: VaultClient, settings: Settings, stored: StoredSecret, failure: string): Promise<void> {
  try {
    await disableSecret(vault, stored)
  } catch (error) {
    throw new ActionableError(
      `${failure} Disabling the stored version failed too (${describeError(error, {})}): ${stored.url} is still enabled and must not be used. ` +
        `Disable it by hand: az keyvault secret set-attributes --vault-name ${settings.vault.name} --name ${stored.name} --version ${stored.version} --enabled false`,
      { cause: error }
    )
  }
}

function describeVerifyFailure(error: unknown): string {
  return error instanceof ActionableError ? error.message : `Verification failed: ${describeError(error, {})}`
}
