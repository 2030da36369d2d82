/**
 * `report-file`: the full list an action found, as a file in the workspace, for when it is
 * larger than an output or the job summary may be (output-size.ts), or for a later step to
 * upload. JSON (an array of the rows), or CSV when the name ends in `.csv`. The path is checked
 * before any request: inside GITHUB_WORKSPACE (through any links), not a directory, not a link.
 */
import { constants, lstatSync, realpathSync } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { ActionableError } from './actionable-error.ts'
import { InputError } from './inputs.ts'
import { untrusted } from './untrusted.ts'

export const REPORT_FILE_INPUT = 'report-file'
const INPUT = REPORT_FILE_INPUT

export interface ReportFile {
  /** Absolute. */
  readonly path: string
  /** As the input gave it, for messages. */
  readonly shown: string
  readonly format: 'json' | 'csv'
}

export type ReportCell = string | number | boolean | null | undefined
export type ReportRow = Readonly<Record<string, ReportCell>>

/** Checks report-file before any request; undefined when it is not given. */
export function parseReportFile(value: string, env: NodeJS.ProcessEnv = process.env): ReportFile | undefined {
  const text = value.trim()
  if (!text) return undefined
  const shown = untrusted(text, 300)
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd())
  const path = resolve(workspace, text)
  const outside = (root: string, candidate: string): boolean => {
    const rel = relative(root, candidate)
    return rel === '' || rel.startsWith('..') || isAbsolute(rel)
  }
  const where = `a file path inside the workspace (${untrusted(workspace, 300)}), such as bek-report.json or reports/bek-report.csv`
  if (outside(workspace, path)) throw new InputError(INPUT, `'${shown}' is outside the workspace; give ${where}`)
  // Through links: the nearest existing folder above the file must still be in the workspace.
  if (outside(real(workspace), resolve(real(existingAncestor(dirname(path))), relative(existingAncestor(dirname(path)), path)))) {
    throw new InputError(INPUT, `'${shown}' leads outside the workspace through a link; give ${where}`)
  }
  const stat = lstatOrUndefined(path)
  if (stat?.isSymbolicLink()) throw new InputError(INPUT, `'${shown}' is a link, which the report is never written through; give ${where}`)
  if (stat && !stat.isFile()) throw new InputError(INPUT, `'${shown}' exists and is not a regular file; give ${where}`)
  return { path, shown: text, format: /\.csv$/i.test(text) ? 'csv' : 'json' }
}

/** Writes the rows (mode 0644, never through a link); `columns` orders the CSV's. */
export async function writeReportFile(file: ReportFile, columns: readonly string[], rows: readonly ReportRow[]): Promise<void> {
  await writeReportDocument(file, rows, columns, rows)
}

/** As writeReportFile, for a report whose JSON form holds more than its rows (the estate's counts, say). */
export async function writeReportDocument(
  file: ReportFile,
  document: unknown,
  columns: readonly string[],
  rows: readonly ReportRow[]
): Promise<void> {
  const text = file.format === 'csv' ? toCsv(columns, rows) : `${JSON.stringify(document, null, 1)}\n`
  try {
    await mkdir(dirname(file.path), { recursive: true })
    const handle = await open(file.path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644)
    try {
      await handle.writeFile(text)
      // Readable by the later steps that upload it, whatever the umask or an earlier file's mode.
      await handle.chmod(0o644)
    } finally {
      await handle.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new ActionableError(
      `Could not write report-file '${untrusted(file.shown, 300)}' (${untrusted(code, 100)}): give a file path in the workspace that this job may write, and re-run.`
    )
  }
}

/**
 * RFC 4180, with a cell that a spreadsheet would take as a formula (it begins with = + - @ or a
 * control character) prefixed with an apostrophe: names and tags come from the vault.
 */
function toCsv(columns: readonly string[], rows: readonly ReportRow[]): string {
  const cell = (value: ReportCell): string => {
    let text = value === null || value === undefined ? '' : String(value)
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  return [columns.map(cell), ...rows.map((row) => columns.map((column) => cell(row[column])))]
    .map((line) => `${line.join(',')}\r\n`)
    .join('')
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

function existingAncestor(path: string): string {
  let dir = path
  while (!lstatOrUndefined(dir) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

function real(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
