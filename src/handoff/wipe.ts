/**
 * What the post step does: every key file the main step recorded in the runner's state is
 * overwritten with zeros and deleted, then the directory it made, whatever happened to the job.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs'
import { STATE_KEY_OUTPUT_COUNT, STATE_KEY_OUTPUT_DIR, keyOutputFileState } from './state.ts'

export interface WipeReport {
  readonly deleted: string[]
  /** Paths that could not be deleted, with why. */
  readonly failed: Array<{ readonly path: string; readonly reason: string }>
}

export function wipeHandedOffKeys(state: (name: string) => string): WipeReport {
  const report: WipeReport = { deleted: [], failed: [] }
  const count = Number(state(STATE_KEY_OUTPUT_COUNT)) || 0
  for (let index = 0; index < count; index++) {
    const path = state(keyOutputFileState(index))
    if (!path) continue
    try {
      if (shredAndDelete(path)) report.deleted.push(path)
    } catch (error) {
      report.failed.push({ path, reason: (error as NodeJS.ErrnoException).code ?? String(error) })
    }
  }
  const directory = state(STATE_KEY_OUTPUT_DIR)
  if (directory) {
    try {
      rmdirSync(directory)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT') report.failed.push({ path: directory, reason: code ?? String(error) })
    }
  }
  return report
}

/** False when the file is already gone. Never follows a link put in its place. */
function shredAndDelete(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  try {
    const size = fstatSync(fd).size
    const zeros = Buffer.alloc(Math.min(size, 1 << 16))
    for (let at = 0; at < size;) at += writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  unlinkSync(path)
  return true
}
