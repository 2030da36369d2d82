/**
 * dry-run: what a real rewrap of one secret would meet, checked without writing anything. Its
 * old KEK version must be readable and enabled; this identity must be able to unwrap the
 * secret's value with it (the value is unwrapped, checked as a real run would, and zeroed) and
 * to wrap with the target (one throw-away random key per algorithm, as the root action's dry
 * run proves wrapKey). A secret that would fail is reported as failing, not as one to rewrap.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { generateKey } from '../../ade/key-bytes.ts'
import { parseKekVersion } from '../../ade/kek-state.ts'
import type { SecretBundle } from '../../keyvault/secrets.ts'
import type { WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { checkBekFile, unwrapOld } from './old-value.ts'
import type { RewrapPlan } from './plan.ts'
import { type RewrapJob, stage, wrapChecked } from './rewrap-secret.ts'

/** What a dry run checks once per run, shared by the secrets that need it. */
export interface DryRunChecks {
  readonly oldKeks: Map<string, Promise<void>>
  readonly wraps: Map<WrapAlgorithm, Promise<void>>
}

export const dryRunChecks = (): DryRunChecks => ({ oldKeks: new Map(), wraps: new Map() })

/** Throws what a real run would fail with; true: a raw key tagged as a Windows .BEK file. */
export async function checkRewrap(job: RewrapJob, checks: DryRunChecks, step: RewrapPlan, bundle: SecretBundle): Promise<boolean> {
  await once(checks.oldKeks, step.oldKekUrl, () => checkOldKek(job, step.oldKekUrl))
  await job.pacer.keyOperations.take()
  const plain = await stage(job, `Unwrapping its value with ${step.oldKekUrl}`, () => unwrapOld(job.vault, step, bundle.value ?? ''))
  let rawKey: boolean
  try {
    rawKey = checkBekFile(step, bundle.tags ?? {}, plain)
  } finally {
    plain.fill(0)
  }
  const algorithm = job.algorithm ?? step.oldAlgorithm
  await once(checks.wraps, algorithm, async () => {
    const key = generateKey(256)
    try {
      await wrapChecked(job, algorithm, key)
    } finally {
      key.fill(0)
    }
  })
  return rawKey
}

function once<K>(done: Map<K, Promise<void>>, key: K, check: () => Promise<void>): Promise<void> {
  let checking = done.get(key)
  if (!checking) {
    checking = check()
    checking.catch(() => undefined)
    done.set(key, checking)
  }
  return checking
}

interface KeyBundle {
  attributes?: { enabled?: unknown; nbf?: unknown; exp?: unknown }
}

/** The old KEK version as ADE and the rewrap would meet it: there, enabled and within its dates. */
async function checkOldKek(job: RewrapJob, url: string): Promise<void> {
  const ref = parseKekVersion(url, job.cloud)!
  const bundle = await stage(job, `Reading its KEK version ${url}`, () =>
    job.vault.jsonOrNotFound<KeyBundle | null>({ operation: 'getKey', method: 'GET', url })
  )
  const attributes = bundle?.attributes
  const now = Date.now() / 1000
  const state =
    bundle === undefined || bundle === null
      ? 'missing (deleted, or never there)'
      : attributes?.enabled === false
        ? 'disabled'
        : typeof attributes?.exp === 'number' && now > attributes.exp
          ? 'expired'
          : typeof attributes?.nbf === 'number' && now < attributes.nbf
            ? 'not valid yet'
            : undefined
  if (!state) return
  const vaultName = new URL(ref.vaultUrl).hostname.split('.')[0]
  throw new ActionableError(
    `Its KEK version ${url} is ${state}, so the rewrap could not unwrap it. ` +
      (bundle
        ? `Re-enable it for the rewrap (az keyvault key set-attributes --vault-name ${vaultName} --name ${ref.name} --version ${ref.version} --enabled true, and its dates), then run the rewrap.`
        : `Recover it (az keyvault key recover --vault-name ${vaultName} --name ${ref.name}) if it was deleted, then run the rewrap.`)
  )
}
