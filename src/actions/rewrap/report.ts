/**
 * The rewrap's outputs, job summary and report-file. Names and URLs come from the vault:
 * escaped for the summary. Past GitHub's limits (output-size.ts) the outputs and the summary are
 * cut, failures first, and say where the full list is.
 */
import * as core from '@actions/core'
import { untrustedHtml } from '../../runner/untrusted.ts'
import { MAX_SUMMARY_BYTES, cutListWarning, jsonArrayWithin, summaryRowsWithin } from '../../runner/output-size.ts'
import { type ReportFile, type ReportRow, writeReportFile } from '../../runner/report-file.ts'
import type { Rewrapped } from './rewrap-secret.ts'

export interface Skipped {
  readonly name: string
  readonly reason: string
}

export interface RewrapReport {
  readonly rewrapped: readonly Rewrapped[]
  readonly skipped: readonly Skipped[]
  /** Dry run: what would be rewrapped. */
  readonly planned: ReadonlyArray<{ readonly name: string; readonly kekUrl: string }>
  readonly failures: readonly string[]
}

const OUTPUT_LIMIT = "1,000,000 bytes (GitHub's limit for one output)"

export function setOutputs(report: RewrapReport, reportFile?: ReportFile): void {
  const rewrapped = report.rewrapped.map((r) => ({
    name: r.name,
    'secret-url': r.secretUrl,
    'previous-secret-url': r.previousSecretUrl,
    'kek-url': r.kekUrl,
    'previous-kek-url': r.previousKekUrl
  }))
  core.setOutput('rewrapped', within('rewrapped', rewrapped, reportFile))
  core.setOutput(
    'skipped',
    within(
      'skipped',
      report.skipped.map((s) => ({ name: s.name, reason: s.reason })),
      reportFile
    )
  )
}

/** The list as a JSON array, cut to GitHub's limit for an output with a warning saying where the rest is. */
function within(output: string, items: readonly unknown[], reportFile: ReportFile | undefined): string {
  const out = jsonArrayWithin(items)
  if (out.count < items.length)
    core.warning(cutListWarning(`The ${output} output`, out.count, items.length, OUTPUT_LIMIT, reportFile?.shown))
  return out.json
}

/** The columns of report-file's CSV; one row per selected secret. */
const COLUMNS = ['name', 'outcome', 'secret-url', 'previous-secret-url', 'kek-url', 'previous-kek-url', 'reason'] as const

/** Every selected secret's outcome, failures first. A write that fails fails the step, after the rest is reported. */
export async function writeRewrapReportFile(file: ReportFile, report: RewrapReport): Promise<void> {
  const rows: ReportRow[] = [
    // A failure's text begins with the secret's name, as its ::error:: line does.
    ...report.failures.map((failure) => ({
      name: /^([0-9a-zA-Z-]{1,127}): /.exec(failure)?.[1] ?? null,
      outcome: 'failed',
      reason: failure
    })),
    ...report.planned.map((p) => ({ name: p.name, outcome: 'would-rewrap', 'previous-kek-url': p.kekUrl })),
    ...report.rewrapped.map((r) => ({
      name: r.name,
      outcome: 'rewrapped',
      'secret-url': r.secretUrl,
      'previous-secret-url': r.previousSecretUrl,
      'kek-url': r.kekUrl,
      'previous-kek-url': r.previousKekUrl
    })),
    ...report.skipped.map((s) => ({ name: s.name, outcome: 'skipped', reason: s.reason }))
  ]
  const full = rows.map((row) => Object.fromEntries(COLUMNS.map((column) => [column, row[column] ?? null])))
  await writeReportFile(file, COLUMNS, full).catch((error: Error) => core.setFailed(error.message))
}

export async function writeRewrapSummary(targetKek: string, report: RewrapReport, dryRun: boolean, reportFile?: ReportFile): Promise<void> {
  const summary = core.summary.addHeading(dryRun ? 'BEK rewrap: dry run' : 'BEK rewrap', 2)
  summary.addRaw(`<p>Target KEK: ${untrustedHtml(targetKek)}</p>`, true)
  let left = 0
  // The runner refuses a step summary over 1 MiB: each list keeps what fits, failures first.
  const fit = <T>(items: readonly T[], cells: (item: T) => string[]): string[][] => {
    const rows = items.map(cells)
    const shown = summaryRowsWithin(rows, Buffer.byteLength(summary.stringify()))
    left += rows.length - shown
    return rows.slice(0, shown)
  }
  const failed = fit(report.failures, (failure) => [untrustedHtml(failure, 2000)])
  if (failed.length > 0) summary.addHeading(`Failed (${report.failures.length})`, 3).addList(failed.map(([text]) => text!))
  const planned = fit(report.planned, (p) => [untrustedHtml(p.name), untrustedHtml(p.kekUrl)])
  if (planned.length > 0) {
    summary.addHeading(`Would rewrap (${report.planned.length})`, 3).addTable([
      [
        { data: 'Secret', header: true },
        { data: 'Current KEK version', header: true }
      ],
      ...planned
    ])
  }
  const rewrapped = fit(report.rewrapped, (r) => [
    untrustedHtml(r.name),
    untrustedHtml(r.secretUrl),
    untrustedHtml(r.previousSecretUrl),
    untrustedHtml(r.previousKekUrl)
  ])
  if (rewrapped.length > 0) {
    summary
      .addHeading(`Rewrapped (${report.rewrapped.length})`, 3)
      .addTable([['Secret', 'New version', 'Previous version', 'Previous KEK'].map((data) => ({ data, header: true })), ...rewrapped])
  }
  const skipped = fit(report.skipped, (s) => [`${untrustedHtml(s.name)}: ${untrustedHtml(s.reason)}`])
  if (skipped.length > 0) summary.addHeading(`Skipped (${report.skipped.length})`, 3).addList(skipped.map(([text]) => text!))
  if (left > 0) {
    const where = reportFile
      ? `the full list is in report-file ${untrustedHtml(reportFile.shown, 300)}`
      : 'set report-file to get the full list as a file'
    summary.addRaw(`<p>${left} more secret(s) not shown: the summary may hold ${MAX_SUMMARY_BYTES / 1024 / 1024} MiB; ${where}.</p>`, true)
  }
  await summary.write()
}
