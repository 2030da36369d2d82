/**
 * `key-output-file`: hands the exact bytes that were wrapped to a later step of the job (an
 * image build that formats a LUKS volume with them). The file is created exclusively, never
 * through a link, readable by the job's user only, at the path key-output-target.ts checked.
 */
import { chmodSync, closeSync, constants, fchmodSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import * as core from '@actions/core'
import { ActionableError } from '../runner/actionable-error.ts'
import { KEY_OUTPUT_INPUT as INPUT, type KeyOutputTarget } from './target.ts'
import { STATE_KEY_OUTPUT_COUNT, STATE_KEY_OUTPUT_DIR, keyOutputFileState } from './state.ts'
import { untrusted } from '../runner/untrusted.ts'

/** Writes the key files of a run and records each in the runner's state for the post step. */
export class KeyHandoff {
  readonly target: KeyOutputTarget
  private count = 0
  private directoryMade = false

  constructor(target: KeyOutputTarget) {
    this.target = target
  }

  /** Key files written so far. */
  get written(): number {
    return this.count
  }

  /** Writes `key` for the stored secret `name`; the caller still owns (and zeroes) `key`. */
  write(name: string, key: Buffer): string {
    const path = this.target.directory ? join(this.target.path, `${name}.key`) : this.target.path
    try {
      if (this.target.directory && !this.directoryMade) this.makeDirectory()
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
      // Recorded as soon as it is ours, so the post step deletes even a half-written file.
      core.saveState(keyOutputFileState(this.count), path)
      this.count++
      core.saveState(STATE_KEY_OUTPUT_COUNT, String(this.count))
      try {
        fchmodSync(fd, 0o600)
        for (let at = 0; at < key.length;) at += writeSync(fd, key, at, key.length - at)
      } finally {
        closeSync(fd)
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      try {
        unlinkSync(path)
      } catch {
        // Nothing was created, or the post step will delete it.
      }
      throw new ActionableError(
        `Secret '${name}' was stored, but its key file ${untrusted(path)} could not be written (${code}). ` +
          'The key exists only wrapped in the vault now: run again with a new key-output-file path (and a new secret-name, or if-exists: new-version).',
        { cause: error }
      )
    }
    return path
  }

  /** Sets the output and logs where the keys are; returns that line for the summary (undefined when none was written). */
  publish(): string | undefined {
    if (this.count === 0) return undefined
    core.setOutput(INPUT, this.target.path)
    const note = this.describe()
    core.info(note)
    return note
  }

  /** Where the keys are, and for how long. */
  private describe(): string {
    const where = this.target.directory
      ? `${this.count === 1 ? '1 key file (<secret-name>.key, mode 0600) is' : `${this.count} key files (<secret-name>.key, mode 0600) are`} in ${untrusted(this.target.path)}`
      : `The key is in ${untrusted(this.target.path)} (mode 0600)`
    return `${where}; the post step of this action overwrites and deletes ${this.target.directory ? 'them' : 'it'} at the end of the job.`
  }

  private makeDirectory(): void {
    mkdirSync(this.target.path, { mode: 0o700 })
    core.saveState(STATE_KEY_OUTPUT_DIR, this.target.path)
    chmodSync(this.target.path, 0o700)
    this.directoryMade = true
  }
}
