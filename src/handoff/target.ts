/**
 * `key-output-file`, checked before any request: the path must not exist yet and must be in
 * the runner's own job folders, which the post step and the runner clean up (key-output.ts
 * writes the files once the secrets are stored).
 */
import { lstatSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { untrusted } from '../runner/untrusted.ts'
import { jobFolders } from './state.ts'

export const KEY_OUTPUT_INPUT = 'key-output-file'
const INPUT = KEY_OUTPUT_INPUT

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
  const roots = jobFolders(env)
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
  checkNoOtherWriter(
    parent,
    roots.map((root) => root.path)
  )
  return { path: join(parent, basename(wanted)), directory: context.several }
}

/**
 * A directory that every user may write, without the sticky bit, lets any of them rename or
 * delete what is in it: another user of a self-hosted runner could swap the key file (or the
 * key directory) for their own between the write and the later step that reads it. Checked from
 * the key's directory up to the job folder it is in, whose own parents the runner made.
 */
function checkNoOtherWriter(parent: string, roots: readonly string[]): void {
  for (let dir = parent; ; dir = dirname(dir)) {
    let mode: number
    try {
      mode = statSync(dir).mode
    } catch (error) {
      throw new KeyOutputError(`cannot check '${untrusted(dir)}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    }
    if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
      throw new KeyOutputError(
        `the directory ${untrusted(dir)} is writable by every user (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}) without the sticky bit, ` +
          'so another user could replace the key file with their own: use a directory only the job can write, such as ${{ runner.temp }}, ' +
          `or remove the others' write permission (chmod o-w '${untrusted(dir)}')`
      )
    }
    if (roots.includes(dir) || dirname(dir) === dir) return
  }
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
