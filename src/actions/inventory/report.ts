/**
 * What the inventory found, as outputs and as one job-summary table grouped by KEK version,
 * at-risk versions first. Every name, URL and tag comes from the vault: escaped for the summary.
 */
import * as core from '@actions/core'
import { untrustedHtml } from '../../runner/untrusted.ts'
import { type KekState, isAtRisk } from '../../ade/kek-state.ts'
import { MAX_SUMMARY_BYTES, cutListWarning, jsonArrayWithin, summaryRowsWithin } from '../../runner/output-size.ts'
import type { ReportFile, ReportRow } from '../../runner/report-file.ts'

export interface BekVersion {
  readonly name: string
  readonly secretUrl: string
  /** As the tag gives it (normalised when it is a key identifier). */
  readonly kekUrl: string
  readonly algorithm?: string
  readonly fileName?: string
  readonly enabled: boolean
  readonly created?: string
  /** The CreatedBy tag: the workflow run that made this version, as the tag says (unverified). */
  readonly createdBy?: string
  readonly kekState: KekState
  /** Why the KEK version's state is unknown or no-access, when its read said more than the state. */
  readonly kekReason?: string
}

export interface KekVersionReport {
  readonly kekUrl: string
  readonly state: KekState
  readonly reason?: string
  /** Enabled BEK versions that depend on it. */
  readonly bekCount: number
}

/** Severity for ordering: at-risk first, then what needs attention but still unwraps, then ok. */
const rank = (state: KekState): number => (isAtRisk(state) ? 0 : state === 'ok' ? 2 : 1)

export function kekVersionReports(beks: readonly BekVersion[]): KekVersionReport[] {
  const byUrl = new Map<string, { state: KekState; reason?: string; count: number }>()
  for (const bek of beks) {
    const entry = byUrl.get(bek.kekUrl) ?? { state: bek.kekState, reason: bek.kekReason, count: 0 }
    if (bek.enabled) entry.count++
    byUrl.set(bek.kekUrl, entry)
  }
  return [...byUrl]
    .map(([kekUrl, { state, reason, count }]) => ({ kekUrl, state, reason, bekCount: count }))
    .sort((a, b) => rank(a.state) - rank(b.state) || a.kekUrl.localeCompare(b.kekUrl))
}

/** The columns of report-file's CSV: the keys of each entry of the beks output. */
export const BEK_COLUMNS = [
  'name',
  'secret-url',
  'kek-url',
  'algorithm',
  'file-name',
  'enabled',
  'created',
  'created-by',
  'kek-state'
] as const

/** One entry of the beks output, and one row of report-file. */
export function bekRow(bek: BekVersion): ReportRow {
  return {
    name: bek.name,
    'secret-url': bek.secretUrl,
    'kek-url': bek.kekUrl,
    algorithm: bek.algorithm ?? null,
    'file-name': bek.fileName ?? null,
    enabled: bek.enabled,
    created: bek.created ?? null,
    'created-by': bek.createdBy ?? null,
    'kek-state': bek.kekState
  }
}

const OUTPUT_LIMIT = "1,000,000 bytes (GitHub's limit for one output)"
const atRiskFirst = (beks: readonly BekVersion[]): BekVersion[] => [
  ...beks.filter((bek) => bek.enabled && isAtRisk(bek.kekState)),
  ...beks.filter((bek) => !(bek.enabled && isAtRisk(bek.kekState)))
]

export function setOutputs(
  beks: readonly BekVersion[],
  keks: readonly KekVersionReport[],
  atRiskCount: number,
  reportFile?: ReportFile
): void {
  let out = jsonArrayWithin(beks.map(bekRow))
  if (out.count < beks.length) {
    // Cut: the versions at risk are the ones a reader of the output must not miss.
    out = jsonArrayWithin(atRiskFirst(beks).map(bekRow))
    core.warning(cutListWarning('The beks output', out.count, beks.length, OUTPUT_LIMIT, reportFile?.shown))
  }
  core.setOutput('beks', out.json)
  const kekRows = keks.map((kek) => ({ 'kek-url': kek.kekUrl, state: kek.state, reason: kek.reason ?? null, 'bek-count': kek.bekCount }))
  const kekOut = jsonArrayWithin(kekRows) // already at-risk first
  if (kekOut.count < kekRows.length) {
    core.warning(cutListWarning('The kek-versions output', kekOut.count, kekRows.length, OUTPUT_LIMIT, reportFile?.shown))
  }
  core.setOutput('kek-versions', kekOut.json)
  core.setOutput('at-risk-count', String(atRiskCount))
}

export async function writeInventorySummary(
  vaultUrl: string,
  beks: readonly BekVersion[],
  keks: readonly KekVersionReport[],
  atRiskCount: number,
  failure?: string,
  reportFile?: ReportFile
): Promise<void> {
  const summary = core.summary.addHeading(`Wrapped BEKs in ${untrustedHtml(vaultUrl)}`, 2)
  if (failure) summary.addRaw(`<p><strong>Failed:</strong> ${untrustedHtml(failure, 4000)}</p>`, true)
  summary.addRaw(
    `<p>${beks.length} BEK secret version(s) under ${keks.length} KEK version(s); ${atRiskCount} enabled version(s) at risk.</p>`,
    true
  )
  const unread = keks.filter((kek) => kek.reason)
  if (unread.length > 0) {
    summary.addRaw('<p>KEK versions whose state could not be read:</p>', true)
    summary.addList(unread.map((kek) => `${untrustedHtml(kek.kekUrl)} (${kek.state}): ${untrustedHtml(kek.reason, 1000)}`))
  }
  const rows = keks.flatMap((kek) =>
    beks
      .filter((bek) => bek.kekUrl === kek.kekUrl)
      .map((bek) => [
        untrustedHtml(kek.kekUrl),
        kek.state,
        untrustedHtml(bek.name),
        untrustedHtml(bek.secretUrl),
        bek.enabled ? 'enabled' : 'disabled',
        untrustedHtml(bek.created ?? ''),
        untrustedHtml(bek.createdBy ?? '')
      ])
  )
  // The runner refuses a step summary over 1 MiB: the rows at risk (first) stay, the rest are counted.
  const shown = summaryRowsWithin(rows, Buffer.byteLength(summary.stringify()))
  if (shown > 0) {
    summary.addTable([
      ['KEK version', 'KEK state', 'Secret', 'Secret version', 'Secret enabled', 'Created', 'Created by'].map((data) => ({
        data,
        header: true
      })),
      ...rows.slice(0, shown)
    ])
  }
  if (shown < rows.length) {
    const where = reportFile
      ? `the full list is in report-file ${untrustedHtml(reportFile.shown, 300)}`
      : 'set report-file to get the full list as a file'
    summary.addRaw(
      `<p>${rows.length - shown} more BEK version(s) not shown: the summary may hold ${MAX_SUMMARY_BYTES / 1024 / 1024} MiB; ${where}.</p>`,
      true
    )
  }
  await summary.write()
}
