/** report-file's path check and formats, and the cutting of lists to GitHub's limits. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseReportFile, writeReportFile } from '../../src/runner/report-file.ts'
import { jsonArrayWithin, summaryRowsWithin } from '../../src/runner/output-size.ts'

let root = ''
let workspace = ''
const env = (): NodeJS.ProcessEnv => ({ GITHUB_WORKSPACE: workspace })

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'report-file-'))
  workspace = join(root, 'workspace')
  mkdirSync(join(workspace, 'reports'), { recursive: true })
  mkdirSync(join(root, 'elsewhere'))
  symlinkSync(join(root, 'elsewhere'), join(workspace, 'out'))
  symlinkSync(join(root, 'elsewhere', 'x.json'), join(workspace, 'link.json'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('parseReportFile', () => {
  test('empty: no report', () => expect(parseReportFile('  ', env())).toBeUndefined())

  test('a path in the workspace, its format by extension', () => {
    expect(parseReportFile('reports/a.json', env())).toEqual({
      path: join(workspace, 'reports', 'a.json'),
      shown: 'reports/a.json',
      format: 'json'
    })
    expect(parseReportFile('new/dir/a.CSV', env())?.format).toBe('csv')
    expect(parseReportFile('a.txt', env())?.format).toBe('json')
  })

  test.each([
    ['../a.json', /is outside the workspace/],
    ['/etc/a.json', /is outside the workspace/],
    ['.', /is outside the workspace/],
    ['out/a.json', /leads outside the workspace through a link/],
    ['link.json', /is a link/],
    ['reports', /exists and is not a regular file/]
  ])('%s is refused, naming the input', (path, problem) => {
    expect(() => parseReportFile(path, env())).toThrow(problem)
    expect(() => parseReportFile(path, env())).toThrow(/^Input 'report-file': /)
  })
})

describe('writeReportFile', () => {
  const rows = [
    { name: 'a', note: 'plain', n: 1, ok: true, none: null },
    { name: '=HYPERLINK("x")', note: 'comma, "quote"\nline', n: 2, ok: false, none: null }
  ]

  test('JSON: the rows; mode 0644 whatever the file had', async () => {
    const file = parseReportFile('reports/r.json', env())!
    writeFileSync(file.path, 'old', { mode: 0o600 })
    await writeReportFile(file, ['name'], rows)
    expect(JSON.parse(readFileSync(file.path, 'utf8'))).toEqual(rows)
    expect(statSync(file.path).mode & 0o777).toBe(0o644)
  })

  test('CSV: RFC 4180 quoting, a formula defused, the columns in order', async () => {
    const file = parseReportFile('new/r.csv', env())!
    await writeReportFile(file, ['name', 'note', 'n', 'ok', 'none'], rows)
    expect(readFileSync(file.path, 'utf8')).toBe(
      'name,note,n,ok,none\r\na,plain,1,true,\r\n"\'=HYPERLINK(""x"")","comma, ""quote""\nline",2,false,\r\n'
    )
  })
})

describe('cutting to the limits', () => {
  test('a JSON array keeps the items that fit, in order, and stays valid JSON', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ i, text: 'x'.repeat(90) }))
    expect(jsonArrayWithin(items, 1_000_000)).toEqual({ json: JSON.stringify(items), count: 100 })
    const cut = jsonArrayWithin(items, 1000)
    expect(Buffer.byteLength(cut.json)).toBeLessThanOrEqual(1000)
    expect(JSON.parse(cut.json)).toEqual(items.slice(0, cut.count))
    expect(cut.count).toBeGreaterThan(5)
  })

  test('summary rows are counted in bytes, with room left for what follows', () => {
    const rows = Array.from({ length: 100 }, () => ['é'.repeat(500)])
    const shown = summaryRowsWithin(rows, 0, 64 * 1024)
    expect(shown).toBeGreaterThan(0)
    expect(shown * 1000).toBeLessThanOrEqual(32 * 1024)
    expect(summaryRowsWithin(rows, 0)).toBe(100)
  })
})
