/**
 * The names under which the main step records, in the runner's state, every key file it
 * created, so the post step deletes exactly those and nothing it would have to guess.
 */
import { realpathSync } from 'node:fs'

export const STATE_KEY_OUTPUT_DIR = 'key_output_dir'
export const STATE_KEY_OUTPUT_COUNT = 'key_output_count'

/** One state entry per file: a batch of 1000 must not rewrite a growing list 1000 times. */
export const keyOutputFileState = (index: number): string => `key_output_file_${index}`

/**
 * The most key files a run can record: one per BEK, and `count` is at most 1000 (MAX_COUNT of
 * the root action's inputs; a test keeps the two equal). The post step looks at no more.
 */
export const MAX_KEY_FILES = 1000

/**
 * The folders a key may be handed off in, RUNNER_TEMP and GITHUB_WORKSPACE, resolved through
 * links: the main step checks a key-output-file against them, the post step what it may wipe.
 */
export function jobFolders(env: NodeJS.ProcessEnv): Array<{ name: string; path: string }> {
  return (['RUNNER_TEMP', 'GITHUB_WORKSPACE'] as const).flatMap((name) => {
    const root = env[name]?.trim()
    if (!root) return []
    try {
      return [{ name, path: realpathSync(root) }]
    } catch {
      return []
    }
  })
}
