import { spawnSync } from 'node:child_process'
import { join, relative } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { destination } from '../bench/destination.ts'
import { REPO } from '../bench/paths.ts'

/** Whether git would leave a file there out of `git status` (`git check-ignore` exits 0). */
const ignored = (path: string): boolean => spawnSync('git', ['check-ignore', '-q', relative(REPO, path)], { cwd: REPO }).status === 0

describe('bench destination (issue 12: a quick run leaves git status clean)', () => {
  test('a quick run writes only where git does not look, and never the README', () => {
    const quick = destination({ quick: true })
    expect(quick.readme).toBe(false)
    expect(ignored(join(quick.dir, 'results.json'))).toBe(true)
  })

  test('a full run rewrites the committed results and the README section', () => {
    const full = destination({ quick: false })
    expect(full).toEqual({ dir: join(REPO, 'bench', 'results'), readme: true })
    expect(ignored(join(full.dir, 'results.json'))).toBe(false)
  })
})
