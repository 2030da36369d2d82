/**
 * `key-output-file`: hands the exact bytes that were wrapped to a later step of the job (an
 * image build that formats a LUKS volume with them). The file is created exclusively, never
 * through a link, readable by the job's user only, and only on the runner's own job folders,
 * which the post step and the runner clean up.
 */
import { chmodSync, closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, realpathSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import * as core from '@actions/core'
import { ActionableError } from './actionable-error.ts'
import { STATE_KEY_OUTPUT_COUNT, STATE_KEY_OUTPUT_DIR, keyOutputFileState } from './key-output-state.ts'
import { untrusted } from './untrusted.ts'

const INPUT = 'key-output-file'

export interface KeyOutputTarget {
  /** The absolute path, its directory resolved through any links. */
  readonly path: string
  /** True with several BEKs: `path` is a directory holding one `<secret-name>.key` each. */
  readonly directory: boolean
}

export class KeyOutputError extends Error {
  readonly input = INPUT
  constructor(problem: string) {
    super(`Input '${INPUT}': ${problem}`)
  }
}

export interface KeyOutputContext {
  readonly several: boolean
  readonly keyFileGiven: boolean
  readonly reuse: boolean
  readonly env?: NodeJS.ProcessEnv
}

/** Checks `key-output-file` before any request; undefined when it is not given. */
export function parseKeyOutputFile(value: string, context: KeyOutputContext): KeyOutputTarget | undefined {
  const text = value.trim()
  if (!text) return undefined
  if (context.keyFileGiven) {
    throw new KeyOutputError('cannot be combined with key-file: the key is the file you gave; use that file in the later steps')
  }
  if (context.reuse) {
    throw new KeyOutputError(
      'cannot be combined with if-exists: reuse: a reused secret was wrapped earlier and its key is not known to this run; use if-exists: fail or new-version'
    )
  }
  const env = context.env ?? process.env
  const wanted = resolve(text)
  const shown = untrusted(text)
  if (exists(wanted)) {
    throw new KeyOutputError(
      `'${shown}' already exists (or is a link); the key ${context.several ? 'directory' : 'file'} is created new, never overwritten or followed: choose a path that does not exist yet`
    )
  }
  let parent: string
  try {
    parent = realpathSync(dirname(wanted))
  } catch (error) {
    throw new KeyOutputError(
      `the directory of '${shown}' cannot be used (${(error as NodeJS.ErrnoException).code ?? String(error)}); create it first, under \${{ runner.temp }}`
    )
  }
  const roots = (['RUNNER_TEMP', 'GITHUB_WORKSPACE'] as const).flatMap((name) => {
    const root = env[name]?.trim()
    if (!root) return []
    try {
      return [{ name, path: realpathSync(root) }]
    } catch {
      return []
    }
  })
  if (roots.length === 0) {
    throw new KeyOutputError(
      'neither RUNNER_TEMP nor GITHUB_WORKSPACE names a folder, so no place is known that the job cleans up; run it as a GitHub Actions step'
    )
  }
  if (!roots.some((root) => parent === root.path || parent.startsWith(root.path + sep))) {
    throw new KeyOutputError(
      `'${shown}' is in ${untrusted(parent)}, outside ${roots.map((root) => `${root.name} (${untrusted(root.path)})`).join(' and ')}; ` +
        'a plaintext key may only be written where the job cleans up: use a path under ${{ runner.temp }}'
    )
  }
  return { path: join(parent, basename(wanted)), directory: context.several }
}

function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw new KeyOutputError(`cannot check '${untrusted(path)}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
}

/** Writes the key files of a run and records each in the runner's state for the post step. */
export class KeyFiles {
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
