/**
 * The target KEK: read it (target-kek-name/-version or target-kek-url), or with create-kek create
 * it when it does not exist, as strong as the strongest source KEK (RSA-HSM over RSA, then the
 * largest size). Never a silent downgrade: a vault that cannot hold HSM keys fails, saying so,
 * and so does an existing key weaker than the strongest source KEK.
 */
import * as core from '@actions/core'
import { ActionableError } from '../../runner/actionable-error.ts'
import { type Kek, kekUrl, readKek } from '../../ade/kek.ts'
import { VaultError, type VaultClient } from '../../keyvault/client.ts'
import type { KekRef } from '../../keyvault/refs.ts'

/** What a KEK is, for comparing strengths. */
export interface KekKind {
  readonly hsm: boolean
  readonly bits: number
}

const stronger = (a: KekKind, b: KekKind): boolean => (a.hsm !== b.hsm ? a.hsm : a.bits > b.bits)
export const strongest = (keks: readonly KekKind[]): KekKind | undefined =>
  keks.reduce<KekKind | undefined>((best, k) => (!best || stronger(k, best) ? k : best), undefined)
const describeKind = (k: KekKind): string => `${k.hsm ? 'RSA-HSM' : 'RSA'} ${k.bits}-bit`

export interface TargetKek {
  /** Undefined in a dry run that would create it. */
  readonly kek?: Kek
  readonly created: boolean
  /** The dry run's "would create …". */
  readonly wouldCreate?: string
}

/**
 * `sku`: the target vault's tier from Resource Manager, when subscription-id let it be read.
 * `sources`: the source KEKs as read (keys get on the sources).
 */
export async function targetKek(
  vault: VaultClient,
  ref: KekRef,
  options: { createKek: boolean; dryRun: boolean; sources: readonly KekKind[]; sku?: string }
): Promise<TargetKek> {
  const best = strongest(options.sources)
  if (!options.createKek) {
    // Named by the user: used as named, but a weaker key is said out loud.
    const kek = await readKek(vault, ref).catch((error: unknown) => {
      if (!(error instanceof VaultError && error.status === 404)) throw error
      throw new ActionableError(
        `The target KEK ${kekUrl(ref)} was not found. Check target-kek-name, target-kek-version or target-kek-url, or set create-kek: true to create it in target-key-vault.`,
        { cause: error }
      )
    })
    if (best && stronger(best, kek)) core.warning(weaker(kek, best))
    return { kek, created: false }
  }
  const existing = await readKek(vault, ref).catch((error: unknown) => {
    if (error instanceof VaultError && error.status === 404) return undefined
    throw error
  })
  if (existing) return { kek: checkStrength(existing, best), created: false }
  if (!best)
    throw new ActionableError(`create-kek: no source KEK could be read to choose the new key's type and size; nothing was created.`)
  const kty = best.hsm ? 'RSA-HSM' : 'RSA'
  if (best.hsm && options.sku && options.sku.toLowerCase() !== 'premium') {
    throw new ActionableError(hsmRefused(ref, best, `is a ${options.sku} vault (Resource Manager)`))
  }
  if (options.dryRun) return { created: false, wouldCreate: `would create ${kekUrl(ref)} as ${describeKind(best)}` }
  const body = JSON.stringify({ kty, key_size: best.bits, key_ops: ['wrapKey', 'unwrapKey'] })
  try {
    await vault.json({ operation: 'createKey', method: 'POST', url: `${kekUrl(ref)}/create`, body })
  } catch (error) {
    if (best.hsm && error instanceof VaultError && /hardware|hsm|standard/i.test(error.message)) {
      throw new ActionableError(hsmRefused(ref, best, 'refuses HSM keys (a standard vault)'), { cause: error })
    }
    throw error
  }
  // Read back as any KEK is read: what is used is what the vault says it holds.
  const kek = await readKek(vault, ref)
  core.info(`Created the target KEK ${kek.kid} (${describeKind(kek)}), as strong as the strongest source KEK.`)
  return { kek: checkStrength(kek, best), created: true }
}

function hsmRefused(ref: KekRef, best: KekKind, why: string): string {
  return (
    `create-kek: the strongest source KEK is ${describeKind(best)}, but ${ref.vault.name} ${why}; an HSM key is never replaced by a software one. ` +
    `Use a premium vault as target-key-vault (az keyvault update --name ${ref.vault.name} --sku premium), or create the key yourself and name it in target-kek-name.`
  )
}

/** With create-kek, an existing key must be at least as strong as every source KEK: a copy never weakens a disk's protection silently. */
function checkStrength(kek: Kek, best: KekKind | undefined): Kek {
  if (best && stronger(best, kek)) {
    throw new ActionableError(
      `create-kek: ${weaker(kek, best)} Name a key at least as strong in target-kek-name, or give a new name to create one.`
    )
  }
  return kek
}

const weaker = (kek: Kek, best: KekKind): string =>
  `The target KEK ${kek.kid} is ${describeKind(kek)}, weaker than the strongest source KEK (${describeKind(best)}).`
