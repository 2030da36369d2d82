// The documentation against the repository (issue 24): the inputs and outputs tables are what
// the action.yml files say (`npm run docs -- --check`, proven able to fail on a mutated copy),
// every relative link reaches a file and a heading, and every repository path named exists.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, test } from '@jest/globals'
import { actionDocs, actionFiles, cell, inputsTable, markdownFiles, REPO } from '../../scripts/action-docs.ts'

const SCRIPT = join(REPO, 'scripts', 'action-docs.ts')
const check = (root: string): { status: number | null; stderr: string } => {
  const run = spawnSync(process.execPath, [SCRIPT, '--check', '--root', root], { encoding: 'utf8', timeout: 20_000 })
  return { status: run.status, stderr: run.stderr }
}

describe('the inputs and outputs tables are generated from action.yml', () => {
  test('every action is found: the root one and each first-level folder’s', () => {
    expect(actionFiles()).toEqual(expect.arrayContaining(['action.yml', 'inventory/action.yml', 'rewrap/action.yml']))
  })

  test('npm run docs -- --check passes on the repository', () => {
    expect(actionDocs(REPO, { check: true })).toEqual({ changed: [], errors: [] })
    const { status, stderr } = check(REPO)
    expect(stderr).toBe('')
    expect(status).toBe(0)
  })

  test('a description becomes one table cell that no markup can break', () => {
    expect(cell('a <GUID>.BEK | b *c* `d`\n  e & f')).toBe('a &lt;GUID&gt;.BEK \\| b \\*c\\* \\`d\\` e &amp; f')
    expect(inputsTable({ inputs: { a: { description: 'x', required: true }, b: { default: 'RSA-OAEP' }, c: {} } })).toBe(
      ['| Input | Default | Description |', '|---|---|---|', '| `a` | *required* | x |', '| `b` | `RSA-OAEP` |  |', '| `c` | — |  |'].join(
        '\n'
      )
    )
  })

  describe('on a mutated copy, the check fails naming the file', () => {
    const copy = mkdtempSync(join(tmpdir(), 'action-docs-'))
    for (const file of [...actionFiles(), ...markdownFiles()]) cpSync(join(REPO, file), join(copy, file), { recursive: true })
    afterAll(() => rmSync(copy, { recursive: true, force: true }))
    const edit = (file: string, change: (text: string) => string): void => {
      const before = readFileSync(join(copy, file), 'utf8')
      const after = change(before)
      expect(after).not.toBe(before)
      writeFileSync(join(copy, file), after)
    }

    test('the copy passes as it is', () => {
      expect(check(copy)).toEqual({ status: 0, stderr: '' })
    })

    test('a default changed in inventory/action.yml: inventory/README.md differs, until npm run docs rewrites it', () => {
      edit('inventory/action.yml', (text) => text.replace('default: never', 'default: at-risk'))
      const { status, stderr } = check(copy)
      expect(status).toBe(1)
      expect(stderr).toContain('inventory/README.md')
      expect(stderr).not.toMatch(/^README\.md/m)
      expect(actionDocs(copy)).toEqual({ changed: ['inventory/README.md'], errors: [] })
      expect(readFileSync(join(copy, 'inventory/README.md'), 'utf8')).toContain('| `fail-on` | `at-risk` |')
      expect(check(copy)).toEqual({ status: 0, stderr: '' })
    })

    test('an input added to action.yml, or a row edited by hand in the README', () => {
      edit('action.yml', (text) => text.replace('\noutputs:', '\n  new-input:\n    description: Something new.\n\noutputs:'))
      const added = check(copy)
      expect(added.status).toBe(1)
      expect(added.stderr).toMatch(/^README\.md: its inputs or outputs table differs/m)
      actionDocs(copy)
      expect(readFileSync(join(copy, 'README.md'), 'utf8')).toContain('| `new-input` | — | Something new. |')
      edit('rewrap/README.md', (text) => text.replace(/^\| `skipped` \|.*\n/m, ''))
      expect(check(copy).stderr).toMatch(/^rewrap\/README\.md: its inputs or outputs table differs/m)
      actionDocs(copy)
      expect(check(copy).status).toBe(0)
    })

    test('a new action folder is picked up: without tables in its README, the check names it', () => {
      cpSync(join(copy, 'inventory/action.yml'), join(copy, 'new-action/action.yml'))
      const { status, stderr } = check(copy)
      expect(status).toBe(1)
      expect(stderr).toContain('new-action/README.md: no inputs table for new-action/action.yml')
      expect(stderr).toContain('new-action/README.md: no outputs table for new-action/action.yml')
      writeFileSync(
        join(copy, 'new-action/README.md'),
        '# new-action\n\n<!-- inputs: action.yml -->\n<!-- end -->\n\n<!-- outputs: action.yml -->\n<!-- end -->\n'
      )
      expect(check(copy).stderr).toContain('new-action/README.md: its inputs or outputs table differs')
      actionDocs(copy)
      expect(check(copy)).toEqual({ status: 0, stderr: '' })
    })

    test('a table naming an action.yml that does not exist', () => {
      edit('rewrap/README.md', (text) => text.replace('<!-- outputs: action.yml -->', '<!-- outputs: ../restore/action.yml -->'))
      const { status, stderr } = check(copy)
      expect(status).toBe(1)
      expect(stderr).toContain('rewrap/README.md: the outputs table names ../restore/action.yml, which does not exist')
      expect(stderr).toContain('rewrap/README.md: no outputs table for rewrap/action.yml')
    })
  })
})

/** Markdown outside fenced code blocks, with inline code spans kept apart. */
function prose(markdown: string): string[] {
  const lines: string[] = []
  let fence: string | undefined
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined
      continue
    }
    if (fence === undefined) lines.push(line)
  }
  return lines
}

const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g

/** GitHub's anchor for a heading: its text, lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(CODE_SPAN, (_m, _ticks, code: string) => code.trim())
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const line of prose(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = slug(heading)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    result.add(n === 0 ? base : `${base}-${n}`)
  }
  return result
}

const rootMarkdown = readdirSync(REPO).filter((file) => file.endsWith('.md'))
const documents = [...new Set([...markdownFiles(), ...rootMarkdown])].sort()

describe('links and paths in the documentation', () => {
  test('the documents checked include the moved content', () => {
    expect(documents).toEqual(
      expect.arrayContaining(['CHANGELOG.md', 'CONTRIBUTING.md', 'README.md', 'SECURITY.md', 'docs/how-it-works.md', 'inventory/README.md'])
    )
  })

  test('the anchors are GitHub’s', () => {
    expect(slug('Register an existing key (`key-file`)')).toBe('register-an-existing-key-key-file')
    expect(slug("Vault resources, ADE's pre-flight checks and a dry run")).toBe('vault-resources-ades-pre-flight-checks-and-a-dry-run')
    expect(slug('(a) Bicep: a disk with `encryptionSettingsCollection`')).toBe('a-bicep-a-disk-with-encryptionsettingscollection')
  })

  test.each(documents.map((file) => [file]))('%s: every relative link reaches a file, and its #anchor a heading there', (file) => {
    const broken: string[] = []
    for (const line of prose(readFileSync(join(REPO, file), 'utf8'))) {
      const text = line.replace(CODE_SPAN, (_m, _ticks, code: string) => code.replace(/[[\]()]/g, ' '))
      for (const [, target] of text.matchAll(/!?\[[^\]]*\]\(([^()\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue
        const [path, anchor] = target!.split('#') as [string, string | undefined]
        const resolved = path === '' ? join(REPO, file) : resolve(REPO, dirname(file), path)
        if (!existsSync(resolved)) broken.push(`${target}: no such file`)
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
          broken.push(`${target}: no such heading`)
      }
    }
    expect(broken).toEqual([])
  })

  const TOP = ['src', 'emulator', '__tests__', 'scripts', 'bench', 'dist', 'docs', 'examples', 'inventory', 'rewrap', '.github', '.ci']
  const REPO_PATH = new RegExp(`^(?:${TOP.map((t) => t.replace('.', '\\.')).join('|')})/[\\w./-]*$`)

  test('CONTRIBUTING.md names the entry that npm run local-action runs', () => {
    const entry = /'(src\/[\w/.-]+\.ts)'/.exec(readFileSync(join(REPO, 'scripts', 'local-action.ts'), 'utf8'))?.[1]
    expect(entry).toBeDefined()
    expect(readFileSync(join(REPO, 'CONTRIBUTING.md'), 'utf8')).toContain(`local-action . ${entry} .env`)
  })

  test.each(documents.map((file) => [file]))('%s: every repository path it names in backticks exists', (file) => {
    const named = prose(readFileSync(join(REPO, file), 'utf8')).flatMap((line) =>
      [...line.matchAll(CODE_SPAN)].map((m) => m[2]!.trim()).filter((code) => REPO_PATH.test(code) && !code.startsWith('bench/.work'))
    )
    expect(named.filter((path) => !existsSync(join(REPO, path)))).toEqual([])
  })
})
