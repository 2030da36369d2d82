/**
 * Each action.yml of the repository against the code it runs: every input the code reads is
 * declared (else the runner never passes it), every declared input is read (else a workflow
 * sets it for nothing, silently), and every output the code sets is declared (else a later step
 * cannot read it). The actions are found as the docs script finds them (action.yml at the root
 * and in each first-level folder), so a new action is covered without editing this file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from '@jest/globals'
import { parse } from 'yaml'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SRC = join(ROOT, 'src')

/** action.yml at the root, then one per first-level folder, as `npm run docs` finds them. */
function actionFiles(): string[] {
  const folders = readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .map((entry) => join(ROOT, entry.name, 'action.yml'))
  return [join(ROOT, 'action.yml'), ...folders].filter((file) => existsSync(file))
}

/** The src/actions folder an action.yml runs: the root action is `create`, `<dir>/action.yml` is `<dir>`. */
function actionFolder(actionYml: string): string {
  const dir = relative(ROOT, dirname(actionYml))
  return join(SRC, 'actions', dir === '' ? 'create' : dir)
}

/** Relative imports of a module, static and dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!))
}

/** Every module the entry reaches, following static and dynamic imports. */
function reachable(entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file) || !existsSync(file)) return
    seen.add(file)
    importsOf(file).forEach(visit)
  }
  visit(entry)
  return [...seen]
}

export interface CodeUse {
  readonly inputs: ReadonlySet<string>
  readonly outputs: ReadonlySet<string>
  /** Calls whose name the scan could not resolve to a string: the test cannot check them. */
  readonly unresolved: readonly string[]
}

/**
 * The input names passed to `input('…')`/`actionInput('…')` and the output names passed to
 * `setOutput('…')` in these sources. A name given as a constant is resolved through
 * `const NAME = '…'`, `const A = B` and `import { B as A }`.
 */
export function codeUse(sources: ReadonlyMap<string, string>): CodeUse {
  const constants = new Map<string, string>()
  const aliases = new Map<string, string>()
  for (const text of sources.values()) {
    for (const m of text.matchAll(/\bconst\s+([A-Za-z_$][\w$]*)\s*=\s*'([^']*)'/g)) constants.set(m[1]!, m[2]!)
    for (const m of text.matchAll(/\bconst\s+([A-Za-z_$][\w$]*)\s*=\s*([A-Za-z_$][\w$]*)\s*$/gm)) aliases.set(m[1]!, m[2]!)
    for (const m of text.matchAll(/\b([A-Za-z_$][\w$]*)\s+as\s+([A-Za-z_$][\w$]*)/g)) aliases.set(m[2]!, m[1]!)
  }
  const resolveName = (name: string): string | undefined => {
    for (let i = 0; i < 10 && !constants.has(name); i++) name = aliases.get(name) ?? name
    return constants.get(name)
  }
  const inputs = new Set<string>()
  const outputs = new Set<string>()
  const unresolved: string[] = []
  for (const [file, text] of sources) {
    for (const m of text.matchAll(/\b(input|actionInput|setOutput)\(\s*(?:'([^']*)'|([A-Za-z_$][\w$]*)\s*[,)])/g)) {
      const name = m[2] ?? resolveName(m[3]!)
      if (name === undefined) unresolved.push(`${file}: ${m[0]}`)
      else (m[1] === 'setOutput' ? outputs : inputs).add(name)
    }
  }
  return { inputs, outputs, unresolved }
}

interface ActionYml {
  readonly inputs?: Record<string, unknown>
  readonly outputs?: Record<string, unknown>
}

/** What does not match between an action.yml and its code, one line each. */
export function contractProblems(action: ActionYml, use: CodeUse): string[] {
  const declaredInputs = new Set(Object.keys(action.inputs ?? {}))
  const declaredOutputs = new Set(Object.keys(action.outputs ?? {}))
  return [
    ...[...use.inputs].filter((name) => !declaredInputs.has(name)).map((name) => `input '${name}' is read but not declared`),
    ...[...declaredInputs].filter((name) => !use.inputs.has(name)).map((name) => `input '${name}' is declared but never read`),
    ...[...use.outputs].filter((name) => !declaredOutputs.has(name)).map((name) => `output '${name}' is set but not declared`),
    ...use.unresolved.map((call) => `cannot tell which name this call uses: ${call}`)
  ].sort()
}

function sourcesOf(files: readonly string[]): Map<string, string> {
  return new Map(files.map((file) => [relative(ROOT, file), readFileSync(file, 'utf8')]))
}

describe('each action.yml declares exactly the inputs its code reads and the outputs it sets', () => {
  const actions = actionFiles()

  test('finds the root action and every sub-action', () => {
    expect(actions.map((file) => relative(ROOT, file))).toEqual(
      expect.arrayContaining(['action.yml', 'inventory/action.yml', 'rewrap/action.yml'])
    )
  })

  test.each(actions.map((file) => [relative(ROOT, file), file]))('%s', (_name, file) => {
    const entry = join(actionFolder(file), 'index.ts')
    expect(existsSync(entry)).toBe(true)
    const files = reachable(entry)
    // The inputs every action reads (run-settings.ts), whether or not this scan reaches them;
    // key-vault only where the code reaches common-settings.ts.
    const common = join(SRC, 'runner', 'run-settings.ts')
    const use = codeUse(sourcesOf([...new Set([...files, common])]))
    expect(use.inputs.size).toBeGreaterThan(0)
    expect(contractProblems(parse(readFileSync(file, 'utf8')) as ActionYml, use)).toEqual([])
  })
})

describe('the check can fail', () => {
  const code = new Map([
    [
      'src/a.ts',
      "const NAME = 'out-constant'\nexport const INPUT_NAME = 'from-constant'\nconst x = input('read-only')\ncore.setOutput(\n  'undeclared-output', y)\ncore.setOutput(NAME, z)\ncore.setOutput(mystery, z)"
    ],
    ['src/b.ts', "import { INPUT_NAME as ALIAS } from './a.ts'\nactionInput(ALIAS)\nactionInput('both')"]
  ])
  const action = {
    inputs: { both: {}, 'from-constant': {}, 'declared-only': {} },
    outputs: { 'out-constant': {} }
  }

  test('an input read but not declared, one declared but never read, an output set but not declared', () => {
    expect(contractProblems(action, codeUse(code))).toEqual([
      'cannot tell which name this call uses: src/a.ts: setOutput(mystery,',
      "input 'declared-only' is declared but never read",
      "input 'read-only' is read but not declared",
      "output 'undeclared-output' is set but not declared"
    ])
  })

  test('a name the scan cannot resolve', () => {
    const use = codeUse(new Map([['src/c.ts', 'core.setOutput(SOMEWHERE, x)']]))
    expect(contractProblems({}, use)).toEqual(['cannot tell which name this call uses: src/c.ts: setOutput(SOMEWHERE,'])
  })
})
