/**
 * What the summary's snippets make: one managed disk per BEK, imported from a pre-encrypted VHD,
 * with the Key Vault resources its encryption settings point at. The snippet builders only
 * render this plan, each in its own language.
 */
import type { OsType } from '../../../ade/os-type.ts'

export interface DiskBek {
  readonly name: string
  readonly secretUrl: string
  readonly kekUrl: string
}

/** A vault a snippet refers to: by name (looked up by the snippet), or by its ARM resource ID when the run knows it. */
export interface SnippetVault {
  readonly name: string
  readonly id?: string
}

export interface DiskPlan {
  readonly osType: OsType
  readonly beks: readonly DiskBek[]
  /** The vault that holds the secrets, then every other vault a KEK URL names, each once. */
  readonly vaults: readonly SnippetVault[]
  /** The KEK URL of every BEK, when they all have the same one (a batch's snippet then says it once). */
  readonly sharedKekUrl?: string
}

/**
 * `ids` maps a vault name to its resource ID (the run's key-vault-id and kek-vault-id, when it
 * read them through ARM); a vault without one is looked up by name.
 */
export function diskPlan(
  osType: OsType,
  secretVault: string,
  beks: readonly DiskBek[],
  ids: ReadonlyMap<string, string> = new Map()
): DiskPlan {
  const names = [secretVault, ...beks.map((bek) => vaultOf(bek.kekUrl))].filter((name, i, all) => all.indexOf(name) === i)
  const shared = beks.every((bek) => bek.kekUrl === beks[0]?.kekUrl) ? beks[0]?.kekUrl : undefined
  return { osType, beks, vaults: names.map((name) => ({ name, id: ids.get(name) })), sharedKekUrl: shared }
}

/** The index in `plan.vaults` of the vault a key or secret URL is in. */
export function vaultIndex(plan: DiskPlan, url: string): number {
  return plan.vaults.findIndex((vault) => vault.name === vaultOf(url))
}

const vaultOf = (url: string): string => new URL(url).hostname.split('.')[0].toLowerCase()
