import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { destination, PERFORMANCE_DOCUMENT } from '../../bench/destination.ts'
import { END, START } from '../../bench/markers.ts'
import { REPO } from '../../bench/paths.ts'
import { performanceSection, type Results } from '../../bench/report.ts'

/** Whether git would leave a file there out of `git status` (`git check-ignore` exits 0). */
const ignored = (path: string): boolean => spawnSync('git', ['check-ignore', '-q', relative(REPO, path)], { cwd: REPO }).status === 0

const document = join(REPO, PERFORMANCE_DOCUMENT)

describe('bench destination (issue 12: a quick run leaves git status clean)', () => {
  test('a quick run writes only where git does not look, and never the performance document', () => {
    const quick = destination({ quick: true })
    expect(quick.document).toBeUndefined()
    expect(ignored(join(quick.dir, 'results.json'))).toBe(true)
  })

  test('a full run rewrites the committed results and the section of docs/performance.md', () => {
    const full = destination({ quick: false })
    expect(full).toEqual({ dir: join(REPO, 'bench', 'results'), document: join(REPO, 'docs', 'performance.md') })
    expect(ignored(join(full.dir, 'results.json'))).toBe(false)
    expect(ignored(document)).toBe(false)
  })
})

describe('the bench section of docs/performance.md (issue 24: moved out of the README)', () => {
  const text = readFileSync(document, 'utf8')
  const section = text.slice(text.indexOf(START) + START.length, text.indexOf(END))

  test('the document has the markers, once each, in order, so a full run has somewhere to write', () => {
    expect(text.split(START)).toHaveLength(2)
    expect(text.split(END)).toHaveLength(2)
    expect(text.indexOf(START)).toBeLessThan(text.indexOf(END))
    expect(readFileSync(join(REPO, 'README.md'), 'utf8')).not.toContain(START)
  })

  test('it is what `npm run bench -- --report` writes from the committed bench/results/results.json', () => {
    const results = JSON.parse(readFileSync(join(REPO, 'bench', 'results', 'results.json'), 'utf8')) as Results
    const link = relative(dirname(document), join(REPO, 'bench', 'results'))
    expect(section.trim()).toBe(performanceSection(results, link).trim())
  })

  test('its links, relative to docs/, reach the committed results', () => {
    const targets = [...section.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!)
    expect(targets.length).toBeGreaterThanOrEqual(3)
    expect(targets.filter((target) => !existsSync(resolve(dirname(document), target)))).toEqual([])
  })
})
