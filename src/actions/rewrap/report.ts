/** The rewrap's outputs and job summary. Names and URLs come from the vault: escaped for the summary. */
import * as core from '@actions/core'
import { untrustedHtml } from '../../runner/untrusted.ts'
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

export function setOutputs(report: RewrapReport): void {
  core.setOutput(
    'rewrapped',
    JSON.stringify(
      report.rewrapped.map((r) => ({
        name: r.name,
        'secret-url': r.secretUrl,
        'previous-secret-url': r.previousSecretUrl,
        'kek-url': r.kekUrl,
        'previous-kek-url': r.previousKekUrl
      }))
    )
  )
  core.setOutput('skipped', JSON.stringify(report.skipped))
}

export async function writeRewrapSummary(targetKek: string, report: RewrapReport, dryRun: boolean): Promise<void> {
  const summary = core.summary.addHeading(dryRun ? 'BEK rewrap: dry run' : 'BEK rewrap', 2)
  summary.addRaw(`<p>Target KEK: ${untrustedHtml(targetKek)}</p>`, true)
  if (report.failures.length > 0) {
    summary.addHeading(`Failed (${report.failures.length})`, 3).addList(report.failures.map((failure) => untrustedHtml(failure, 2000)))
  }
  if (report.planned.length > 0) {
    summary.addHeading(`Would rewrap (${report.planned.length})`, 3).addTable([
      [
        { data: 'Secret', header: true },
        { data: 'Current KEK version', header: true }
      ],
      ...report.planned.map((p) => [untrustedHtml(p.name), untrustedHtml(p.kekUrl)])
    ])
  }
  if (report.rewrapped.length > 0) {
    summary
      .addHeading(`Rewrapped (${report.rewrapped.length})`, 3)
      .addTable([
        ['Secret', 'New version', 'Previous version', 'Previous KEK'].map((data) => ({ data, header: true })),
        ...report.rewrapped.map((r) => [
          untrustedHtml(r.name),
          untrustedHtml(r.secretUrl),
          untrustedHtml(r.previousSecretUrl),
          untrustedHtml(r.previousKekUrl)
        ])
      ])
  }
  if (report.skipped.length > 0) {
    summary
      .addHeading(`Skipped (${report.skipped.length})`, 3)
      .addList(report.skipped.map((s) => `${untrustedHtml(s.name)}: ${untrustedHtml(s.reason)}`))
  }
  await summary.write()
}
