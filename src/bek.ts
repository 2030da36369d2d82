/**
 * Makes one wrapped BEK: a fresh key (or the key file's bytes), wrapped by the vault with the
 * KEK, stored as a secret ADE accepts. The plaintext is zeroed whatever happens.
 */
import * as core from '@actions/core'
import { ActionableError } from './actionable-error.ts'
import { describeError } from './errors.ts'
import type { Settings } from './inputs.ts'
import { type Kek, checkPlaintextFits } from './kek.ts'
import { generateKey } from './key-bytes.ts'
import type { KeyFiles } from './key-output.ts'
import type { VaultPacer } from './rate-limit.ts'
import { type SecretBundle, type StoredSecret, disableSecret, notAWrappedBek, readSecret, storeSecret, storedSecret } from './secret.ts'
import { TAG_KEK_URL, buildTags } from './tags.ts'
import type { VaultClient } from './vault-client.ts'
import { verifyUnwrap, wrapKey } from './wrap.ts'

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
  readonly keyFiles?: KeyFiles
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
    const reuse = existing && decideOnExisting(settings, name, existing)
    if (reuse) return reuse
  }

  const key = settings.keyFile?.bytes ?? generateKey(settings.keySizeBits)
  try {
    // Key Vault wraps with the current version when none is given; the answer says which.
    // Wrapping while the KEK is still being read saves a round trip; nothing is stored
    // before the KEK passed its checks.
    await pacer.keyOperations.take()
    const wrapping = wrapKey(vault, job.kekUrlNow(), settings.algorithm, key)
    wrapping.catch(() => undefined)
    if (!checkFirst) {
      const existing = await checking
      if (existing) decideOnExisting(settings, name, existing)
    }
    const kek = await job.kek
    checkPlaintextFits(kek, settings.algorithm, key.length, settings.keyFile ? 'key-file' : 'key-size')
    const wrapped = await wrapping
    if (wrapped.kid !== kek.kid) {
      throw new ActionableError(`The KEK changed while this step ran: read ${kek.kid}, wrapped with ${wrapped.kid}. Re-run the step.`)
    }
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
    if (settings.verify) {
      await pacer.keyOperations.take()
      await verifyUnwrap(vault, wrapped, settings.algorithm, key).catch(async (error: unknown) => {
        // A BEK is stored fully or not at all: an unverified one must not be used.
        await disableSecret(vault, stored)
        throw new ActionableError(
          `${describeVerifyFailure(error)} The stored version ${stored.url} was disabled; run again with if-exists: new-version.`,
          {
            cause: error
          }
        )
      })
      core.info(`Verified: the vault unwraps ${stored.url} to the key.`)
    }
    job.keyFiles?.write(name, key)
    return { ...stored, kekUrl: kek.kid, reused: false }
  } finally {
    key.fill(0)
  }
}

/** Applies if-exists to a secret that is already there: the BEK to reuse, undefined to add a version, or an error. */
function decideOnExisting(settings: Settings, name: string, existing: SecretBundle): Bek | undefined {
  const current = storedSecret(name, existing)
  const where = `Secret '${name}' already exists in ${settings.vault.name}${current.version ? ` (version ${current.version})` : ''}`
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
  const kekUrl = existing.tags?.[TAG_KEK_URL] ?? ''
  core.info(`${where}; reusing it (if-exists: reuse). Its KEK is ${kekUrl}.`)
  return { ...current, kekUrl, reused: true }
}

function describeVerifyFailure(error: unknown): string {
  return error instanceof ActionableError ? error.message : `Verification failed: ${describeError(error, {})}`
}
