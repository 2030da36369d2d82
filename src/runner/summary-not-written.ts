/**
 * The job summary is a convenience: without GITHUB_STEP_SUMMARY (GitHub's local runner, older
 * GHES runners) or with an unwritable file, writing it fails. That must not change, or hide,
 * the step's outcome: its outputs and its own error are printed all the same.
 */
import * as core from '@actions/core'
import { untrusted } from './untrusted.ts'

/** Says, as a warning, that the summary was not written; for `writeSummary(...).catch(summaryNotWritten)`. */
export function summaryNotWritten(error: unknown): void {
  const reason = untrusted(error instanceof Error ? error.message : String(error), 300)
  core.warning(`The job summary was not written (${reason}); the outputs and this log have the result.`)
}
