// Every workflow a user may copy (the documentation: README.md, each action's README, docs/,
// CONTRIBUTING.md; and examples/) and every workflow this repository runs (.github/workflows/),
// through GitHub's own parser, then against this repository's action files.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { parse as parseYaml } from 'yaml'
import { markdownFiles } from '../../../scripts/action-docs.ts'
import { checkWorkflow, markdownWorkflows, ownActionOf, readActionFile, readRepoActions, stepsById, type WorkflowSource } from './check.ts'

const actions = readRepoActions('.')
// The same markdown files `npm run docs` writes the inputs and outputs tables of.
const documents = markdownFiles('.')
const workflowsOf = new Map(documents.map((file) => [file, markdownWorkflows(readFileSync(file, 'utf8'), file)]))
const documented = [...workflowsOf.values()].flat()
const readme = workflowsOf.get('README.md') ?? []
const quickStart = readme.find((w) => !w.fragment)!
const yamlFiles = (dir: string): WorkflowSource[] =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ name: join(dir, f), content: readFileSync(join(dir, f), 'utf8') }))
const examples = yamlFiles('examples')
const repoWorkflows = yamlFiles('.github/workflows')

describe('action metadata, validated against the parser’s action schema (action-v1.0)', () => {
  test('the root action and its sub-actions', () => {
    expect([...actions.keys()].sort()).toEqual(['', 'copy-keys', 'estate', 'inventory', 'restore-keys', 'rewrap'])
    for (const action of actions.values()) {
      expect(action.errors).toEqual([])
      expect(action.inputs.size).toBeGreaterThan(0)
      expect(action.outputs.size).toBeGreaterThan(0)
    }
  })
})

describe('workflows parse with @actions/workflow-parser and use this action as declared', () => {
  test('the documentation is where the workflows moved to (issue 24)', () => {
    expect(documents).toEqual(
      expect.arrayContaining([
        'README.md',
        'inventory/README.md',
        'rewrap/README.md',
        'docs/how-it-works.md',
        'docs/performance.md',
        'docs/troubleshooting.md',
        'docs/windows-bek.md',
        'CONTRIBUTING.md'
      ])
    )
  })

  test('the Quick start is the README’s first workflow, and uses the root action', () => {
    expect(quickStart.name).toBe(readme[0]!.name)
    expect([...stepsById(quickStart.content).values()].map((step) => step.uses && ownActionOf(step.uses))).toContain('')
  })

  test.each([...actions.keys()].filter((subpath) => subpath !== '').map((subpath) => [subpath]))(
    '%s/README.md has a complete workflow that uses the action',
    (subpath) => {
      const uses = (workflowsOf.get(`${subpath}/README.md`) ?? [])
        .filter((w) => !w.fragment)
        .flatMap((w) => [...stepsById(w.content).values()].map((step) => step.uses && ownActionOf(step.uses)))
      expect(uses).toContain(subpath)
    }
  )

  test('there are workflows to check', () => {
    expect(readme.filter((w) => !w.fragment).length).toBeGreaterThanOrEqual(5)
    expect(readme.filter((w) => w.fragment).length).toBeGreaterThanOrEqual(3)
    expect(documented.filter((w) => !w.fragment).length).toBeGreaterThanOrEqual(7)
    expect(examples.length).toBeGreaterThanOrEqual(6)
    expect(repoWorkflows.map((w) => w.name)).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml']))
  })

  test.each(documented.map((w) => [w.name, w] as const))('%s', async (_name, workflow) => {
    expect(await checkWorkflow(workflow, actions, workflow.fragment ? { outerSteps: stepsById(quickStart.content) } : {})).toEqual([])
  })

  test.each([...examples, ...repoWorkflows].map((w) => [w.name, w] as const))('%s', async (_name, workflow) => {
    expect(await checkWorkflow(workflow, actions)).toEqual([])
  })

  test('the repository’s workflows pin every other repository’s action by full commit SHA', () => {
    const unpinned = repoWorkflows.flatMap((w) =>
      [...w.content.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)]
        .map((m) => m[1]!)
        .filter((uses) => !uses.startsWith('./') && !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses))
        .map((uses) => `${w.name}: ${uses}`)
    )
    expect(unpinned).toEqual([])
  })

  test('each complete workflow of the documentation is a file in examples/', () => {
    const files = examples.map((e) => JSON.stringify(parseYaml(e.content)))
    const missing = documented.filter((w) => !w.fragment && !files.includes(JSON.stringify(parseYaml(w.content)))).map((w) => w.name)
    expect(missing).toEqual([])
  })
})

describe('the check fails on what a user would get wrong', () => {
  const workflow = (step: string, after = ''): WorkflowSource => ({
    name: 'typo.yml',
    content: `on: push\njobs:\n  bek:\n    runs-on: ubuntu-latest\n    steps:\n${step}${after}`
  })
  const bek = (inputs: string, uses = 'OWNER/azure-bek-action@v1'): string =>
    `      - id: bek\n        uses: ${uses}\n        with:\n${inputs
      .split('\n')
      .map((l) => `          ${l}`)
      .join('\n')}\n`

  test('a correct step passes, so the failures below are the typos', async () => {
    expect(
      await checkWorkflow(workflow(bek('key-vault: v\nkek-name: k'), '      - run: echo "${{ steps.bek.outputs.secret-url }}"\n'), actions)
    ).toEqual([])
  })

  test('a mistyped input', async () => {
    expect(await checkWorkflow(workflow(bek('key-vault: v\nkek-nmae: k')), actions)).toEqual([
      `typo.yml: job bek, step bek (OWNER/azure-bek-action@v1): 'kek-nmae' is not an input of action.yml`
    ])
  })

  test('a missing required input, and an input of the root action given to a sub-action', async () => {
    expect(await checkWorkflow(workflow(bek('os-type: linux', './inventory')), actions)).toEqual([
      `typo.yml: job bek, step bek (./inventory): 'os-type' is not an input of inventory/action.yml`,
      `typo.yml: job bek, step bek (./inventory): required input 'key-vault' is not given`
    ])
  })

  test('a mistyped output, an unknown step id, an undeclared job output, a sub-action that does not exist', async () => {
    const reads = '      - run: echo "${{ steps.bek.outputs.secret-uri }} ${{ steps.bk.outputs.secret-url }} ${{ needs.x.outputs.y }}"\n'
    const errors = await checkWorkflow(
      workflow(bek('key-vault: v'), reads + '      - uses: OWNER/azure-bek-action/inventroy@v1\n'),
      actions
    )
    expect(errors).toEqual(
      expect.arrayContaining([
        `typo.yml: job bek: 'secret-uri' is not an output of action.yml (step bek)`,
        `typo.yml: job bek reads steps.bk.outputs.secret-url, but no step has id 'bk'`,
        `typo.yml: job bek reads needs.x.outputs.y, which job x does not declare`,
        'typo.yml: job bek, step 3 (OWNER/azure-bek-action/inventroy@v1): this repository has no action inventroy/action.yml'
      ])
    )
  })

  test('what only GitHub’s parser sees: a misplaced key, a bad expression, a job without runs-on', async () => {
    const errors = await checkWorkflow(
      { name: 'bad.yml', content: 'on: push\njobs:\n  a:\n    steps:\n      - run: echo ${{ github.sha }\n        withh: {}\n' },
      actions
    )
    expect(errors.length).toBeGreaterThanOrEqual(2)
    expect(errors.join('\n')).toMatch(/withh/)
    expect(errors.join('\n')).toMatch(/runs-on/)
  })

  test('an action.yml outside the action schema', () => {
    const bad = readActionFile('action.yml', '', readFileSync('action.yml', 'utf8').replace('using: node24', 'using: node99'))
    expect(bad.errors.join('\n')).toMatch(/node99/)
  })

  test('only this repository’s actions are checked against its action files', () => {
    expect(['./', '.', './inventory', 'OWNER/azure-bek-action@v1', 'contoso/azure-bek-action/rewrap@v1.2.3'].map(ownActionOf)).toEqual([
      '',
      '',
      'inventory',
      '',
      'rewrap'
    ])
    expect(['actions/checkout@v5', 'azure/login@v2', 'OWNER/azure-bek-action-fork@v1'].map(ownActionOf)).toEqual([
      undefined,
      undefined,
      undefined
    ])
  })
})
