/**
 * What the post step does: every key file the main step recorded in the runner's state is
 * overwritten with zeros and deleted, then the directory it made, whatever happened to the job.
 *
 * The state is the action's own, but the post step acts only on what it can check, so that a
 * wrong entry cannot make it zero someone else's file or hang the job: a path must be absolute,
 * without `.` or `..`, in a folder reached through no link, under RUNNER_TEMP or GITHUB_WORKSPACE
 * (where target.ts lets the main step write); a key file must be a regular file (a FIFO is never
 * opened); and no more entries are read than a run can write. What it refuses, it names with the
 * command to delete it by hand.
 */
import {
  type Stats,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  realpathSync,
  rmdirSync,
  unlinkSync,
  writeSync
} from 'node:fs'
import { dirname, isAbsolute, normalize, sep } from 'node:path'
import { MAX_KEY_FILES, STATE_KEY_OUTPUT_COUNT, STATE_KEY_OUTPUT_DIR, jobFolders, keyOutputFileState } from './state.ts'

export interface Refusal {
  readonly path: string
  /** Why it was not touched. */
  readonly reason: string
  /** The shell command that deletes it by hand. */
  readonly command: string
}

export interface WipeReport {
  readonly deleted: string[]
  /** Paths that could not be deleted, with why and the command to delete them by hand. */
  readonly failed: Refusal[]
  /** Recorded paths that were not touched, with why. */
  readonly refused: Refusal[]
  /** What was wrong with the recorded count, when it could not be right. */
  countProblem?: string
}

export function wipeHandedOffKeys(state: (name: string) => string, env: NodeJS.ProcessEnv = process.env): WipeReport {
  const report: WipeReport = { deleted: [], failed: [], refused: [] }
  const roots = jobFolders(env)
  const count = recordedCount(state(STATE_KEY_OUTPUT_COUNT), report)
  for (let index = 0; index < count; index++) {
    const path = state(keyOutputFileState(index))
    if (path) wipeFile(path, roots, report)
  }
  const directory = state(STATE_KEY_OUTPUT_DIR)
  if (directory) removeDirectory(directory, roots, report)
  return report
}

/** The recorded count, or MAX_KEY_FILES when it is not a whole number from 0 to that (each entry is checked anyway). */
function recordedCount(text: string, report: WipeReport): number {
  if (text === '') return 0
  if (/^\d{1,4}$/.test(text) && Number(text) <= MAX_KEY_FILES) return Number(text)
  report.countProblem = `is '${text.slice(0, 40)}', not a whole number from 0 to ${MAX_KEY_FILES} (the most key files a run writes); only the first ${MAX_KEY_FILES} entries were looked at`
  return MAX_KEY_FILES
}

/** Why `path` is not one the main step could have recorded, 'gone' when its folder is gone, or undefined when it may be touched. */
function placeProblem(path: string, roots: ReadonlyArray<{ name: string; path: string }>): string | undefined {
  if (!isAbsolute(path)) return 'it is not an absolute path'
  if (path.split(sep).includes('..') || normalize(path) !== path) return "it is not a plain path (it has '..', '.' or '//')"
  if (!roots.some((root) => path.startsWith(root.path + sep))) {
    const where = roots.length
      ? roots.map((root) => `${root.name} (${root.path})`).join(' and ')
      : 'RUNNER_TEMP and GITHUB_WORKSPACE (neither is set)'
    return `it is outside ${where}, the only folders the main step writes key files in`
  }
  let folder: string
  try {
    folder = realpathSync(dirname(path))
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : `its folder cannot be checked (${codeOf(error)})`
  }
  if (folder !== dirname(path)) return `its folder is reached through a link (to ${folder})`
  return undefined
}

function wipeFile(path: string, roots: ReadonlyArray<{ name: string; path: string }>, report: WipeReport): void {
  const problem = placeProblem(path, roots)
  if (problem === 'gone') return
  if (problem) return void report.refused.push({ path, reason: problem, command: `shred -u -- ${shellQuote(path)}` })
  try {
    const outcome = shredAndDelete(path)
    if (outcome === 'deleted') report.deleted.push(path)
    else if (outcome !== 'gone') report.refused.push({ path, ...outcome })
  } catch (error) {
    report.failed.push({ path, reason: codeOf(error), command: `shred -u -- ${shellQuote(path)}` })
  }
}

function removeDirectory(directory: string, roots: ReadonlyArray<{ name: string; path: string }>, report: WipeReport): void {
  const problem = placeProblem(directory, roots)
  if (problem === 'gone') return
  if (problem) return void report.refused.push({ path: directory, reason: problem, command: `rmdir -- ${shellQuote(directory)}` })
  try {
    if (!lstatSync(directory).isDirectory()) {
      return void report.refused.push({ path: directory, reason: 'it is not a directory', command: `rm -f -- ${shellQuote(directory)}` })
    }
    rmdirSync(directory)
  } catch (error) {
    if (codeOf(error) !== 'ENOENT')
      report.failed.push({ path: directory, reason: codeOf(error), command: `rm -r -- ${shellQuote(directory)}` })
  }
}

/**
 * Overwrites a regular file with zeros and deletes it. Looked at with lstat before it is
 * opened (a FIFO or a device is never opened), opened without following a link and without
 * waiting (O_NONBLOCK), and checked again on the open descriptor, in case it was swapped between.
 */
function shredAndDelete(path: string): 'deleted' | 'gone' | Omit<Refusal, 'path'> {
  let before
  try {
    before = lstatSync(path)
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return 'gone'
    throw error
  }
  if (!before.isFile()) return notAFile(path, before)
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile() || stat.ino !== before.ino || stat.dev !== before.dev) return notAFile(path, stat)
    const size = stat.size
    const zeros = Buffer.alloc(Math.min(size, 1 << 16))
    for (let at = 0; at < size;) at += writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  unlinkSync(path)
  return 'deleted'
}

function notAFile(path: string, stat: Stats): Omit<Refusal, 'path'> {
  const kind = stat.isFIFO()
    ? 'a FIFO'
    : stat.isSymbolicLink()
      ? 'a symbolic link'
      : stat.isDirectory()
        ? 'a directory'
        : stat.isSocket()
          ? 'a socket'
          : stat.isFile()
            ? 'a file swapped in while it was opened'
            : 'a device'
  const command = stat.isDirectory() ? `rm -r -- ${shellQuote(path)}` : `rm -f -- ${shellQuote(path)}`
  return { reason: `it is ${kind}, not the regular file the main step wrote`, command }
}

/** `text` as one shell word. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error)
}
