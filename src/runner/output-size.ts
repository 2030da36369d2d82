/**
 * GitHub's limits on what a step hands on: 1,000,000 bytes per output (documented for
 * outputs), 1 MiB per job summary (the runner refuses a larger step summary). Past them a list
 * is cut, at-risk rows first, and the full list goes to report-file (report-file.ts).
 */
import { untrusted } from './untrusted.ts'

export const MAX_OUTPUT_BYTES = 1_000_000
export const MAX_SUMMARY_BYTES = 1024 * 1024
/** Left free in the summary for what follows the cut table (the count of the rest, a failure). */
const SUMMARY_RESERVE_BYTES = 32 * 1024

/** A JSON array of as many of `items` (in order) as fit in `maxBytes`, and how many that is. */
export function jsonArrayWithin(items: readonly unknown[], maxBytes = MAX_OUTPUT_BYTES): { json: string; count: number } {
  const whole = JSON.stringify(items)
  if (Buffer.byteLength(whole) <= maxBytes) return { json: whole, count: items.length }
  const parts: string[] = []
  let size = 2 // the brackets
  for (const item of items) {
    const part = JSON.stringify(item)
    const added = Buffer.byteLength(part) + (parts.length > 0 ? 1 : 0)
    if (size + added > maxBytes) break
    parts.push(part)
    size += added
  }
  return { json: `[${parts.join(',')}]`, count: parts.length }
}

/** How many table rows (cells of HTML text) fit in the summary after `usedBytes`. */
export function summaryRowsWithin(rows: ReadonlyArray<readonly string[]>, usedBytes: number, maxBytes = MAX_SUMMARY_BYTES): number {
  let size = usedBytes + SUMMARY_RESERVE_BYTES
  for (const [i, row] of rows.entries()) {
    // <tr>…</tr> and <td>…</td> around each cell, as core.summary.addTable writes them.
    size += 9 + row.reduce((sum, cell) => sum + Buffer.byteLength(cell) + 9, 0)
    if (size > maxBytes) return i
  }
  return rows.length
}

/**
 * The warning for a list cut to fit: what it holds, and where the rest is (report-file, or how
 * to get it). `shownPath`: report-file as given, when it was.
 */
export function cutListWarning(what: string, shown: number, total: number, limit: string, shownPath: string | undefined): string {
  const where = shownPath
    ? `the full list is in report-file '${untrusted(shownPath)}'`
    : 'set report-file (a path in the workspace, such as bek-report.json or bek-report.csv) to get the full list as a file'
  return `${what} holds ${shown} of ${total} entries, at-risk ones first: the whole list is larger than ${limit}; ${where}.`
}
