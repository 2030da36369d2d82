/**
 * A table of checks in the job summary: every check, passed or not, so a pull-request check
 * shows what it verified as well as what it found.
 */
import * as core from '@actions/core'
import { escapeHtml } from './untrusted.ts'

export type CheckOutcome = 'failed' | 'warning' | 'passed' | 'not checked'

export interface CheckRow {
  /** The vault it is about (its name, a validated input). */
  readonly vault: string
  readonly check: string
  readonly outcome: CheckOutcome
  /** What was found and the fix; made printable when they were written. */
  readonly details: readonly string[]
}

const RESULT: Readonly<Record<CheckOutcome, string>> = {
  failed: '❌ fails',
  warning: '⚠️ warning',
  passed: '✅ passed',
  'not checked': '➖ not checked'
}

export async function writeCheckTable(heading: string, rows: readonly CheckRow[]): Promise<void> {
  await core.summary
    .addHeading(heading, 3)
    .addTable([
      [
        { data: 'Vault', header: true },
        { data: 'Check', header: true },
        { data: 'Result', header: true },
        { data: 'Fix', header: true }
      ],
      ...rows.map((row) => [escapeHtml(row.vault), escapeHtml(row.check), RESULT[row.outcome], row.details.map(escapeHtml).join('<br>')])
    ])
    .write()
}
