/**
 * When fail-on fails the step. at-risk judges every enabled BEK version: any of them may be the
 * one a disk points at. not-current judges each BEK by its latest enabled version, since a
 * rewrap adds a new version and leaves the old ones enabled for the VMs still pointed at them
 * (by design): the BEK has moved on once its latest version is on the current KEK version.
 */
import { isAtRisk } from '../../ade/kek-state.ts'
import { untrusted } from '../../runner/untrusted.ts'
import type { FailOn } from './inputs.ts'
import type { BekVersion } from './report.ts'

/** The latest enabled version of each BEK; `beks` is in name, then creation order. */
export function latestVersions(beks: readonly BekVersion[]): BekVersion[] {
  const latest = new Map<string, BekVersion>()
  for (const bek of beks) if (bek.enabled) latest.set(bek.name.toLowerCase(), bek)
  return [...latest.values()]
}

/** Why fail-on fails the step, if it does. */
export function failureFor(failOn: FailOn, beks: readonly BekVersion[]): string | undefined {
  if (failOn === 'never') return undefined
  const atRisk = beks.filter((bek) => bek.enabled && isAtRisk(bek.kekState))
  const lagging = failOn === 'not-current' ? latestVersions(beks).filter((bek) => bek.kekState === 'not-current') : []
  if (atRisk.length === 0 && lagging.length === 0) return undefined
  const list = (found: readonly BekVersion[]): string =>
    [...new Map(found.map((bek) => [bek.kekUrl, `${untrusted(bek.kekUrl)} (${bek.kekState})`])).values()].join(', ')
  const risk =
    atRisk.length > 0
      ? `${atRisk.length} enabled BEK version(s) depend on KEK versions that ADE cannot unwrap with at the next boot: ${list(atRisk)}. ` +
        'Fix each version as its warning says, or rewrap the BEKs onto a working version and point the disks at the new secret versions.'
      : ''
  const lag =
    lagging.length > 0
      ? `${lagging.length} BEK(s) have their latest version on a KEK version that is not its key's current, working version: ${list(lagging)}. ` +
        'Rewrap them (the rewrap action) and point the disks at the new secret versions; only then disable the old key versions.'
      : ''
  return [risk, lag].filter(Boolean).join(' ')
}
