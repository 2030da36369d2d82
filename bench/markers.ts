// Replaces a document's section between <!-- bench:start --> and <!-- bench:end -->
// (docs/performance.md: see destination.ts).
import { readFile, writeFile } from 'node:fs/promises'

export const START = '<!-- bench:start -->'
export const END = '<!-- bench:end -->'

/** True when the document had both markers and was rewritten. */
export async function updateSection(path: string, section: string): Promise<boolean> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return false
  }
  const start = text.indexOf(START)
  const end = text.indexOf(END, start + START.length)
  if (start < 0 || end < 0) return false
  const next = `${text.slice(0, start + START.length)}\n${section.trim()}\n${text.slice(end)}`
  if (next !== text) await writeFile(path, next)
  return true
}
