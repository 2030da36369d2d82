// The layout table of CONTRIBUTING.md against the tree (issue 24): every path it names exists,
// and every folder of src/ (at any depth) and every top-level folder has a row. A row is a line
// of the table under "## Layout" whose first cell holds a path in backticks (or several).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from '@jest/globals'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const withoutSlash = (path: string): string => path.replace(/\/+$/, '')

/** The paths in the first cell of each row of the table under `## Layout`. */
function layoutPaths(markdown: string): string[] {
  const section = markdown.split(/^## Layout\s*$/m)[1]?.split(/^## /m)[0] ?? ''
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => withoutSlash(m[1]!)))
}

/** The repository's files as git sees them (tracked, or untracked and not ignored) that exist on disk. */
function files(): string[] {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
  if (listed.status !== 0) throw new Error(`git ls-files: ${listed.stderr}`)
  return [...new Set(listed.stdout.split('\0').filter(Boolean))].filter((file) => existsSync(join(REPO, file)))
}

/** Every folder that holds a file, at any depth under `under`, or only the top level. */
function folders(all: string[], under: string | undefined): string[] {
  const result = new Set<string>()
  for (const file of all) {
    const parts = file.split('/').slice(0, -1)
    if (under === undefined) {
      if (parts.length > 0) result.add(parts[0]!)
      continue
    }
    if (parts[0] !== under) continue
    for (let i = 1; i <= parts.length; i++) result.add(parts.slice(0, i).join('/'))
  }
  return [...result].sort()
}

const named = layoutPaths(readFileSync(join(REPO, 'CONTRIBUTING.md'), 'utf8'))
const tree = files()

describe('CONTRIBUTING.md’s layout table matches the tree', () => {
  test('the table is there, a row per folder', () => {
    expect(named.length).toBeGreaterThanOrEqual(15)
    expect(
      layoutPaths('## Layout\n\n| Path | Contents |\n|---|---|\n| [`src/a/`](src/a/) | x `y` |\n| `b`, `c/` | z |\n\n## Next\n| `d` | |\n')
    ).toEqual(['src/a', 'b', 'c'])
  })

  test('every path it names exists', () => {
    expect(named.filter((path) => !existsSync(join(REPO, path)))).toEqual([])
  })

  test('every folder of src/, at any depth, has a row', () => {
    const source = folders(tree, 'src')
    expect(source.length).toBeGreaterThan(1)
    expect(source.filter((folder) => !named.includes(folder))).toEqual([])
  })

  test('every top-level folder has a row', () => {
    expect(folders(tree, undefined).filter((folder) => !named.includes(folder))).toEqual([])
  })
})
