// `npm run docs` (node scripts/action-docs.ts): writes the inputs and outputs tables of the
// documentation from the action.yml files, so the tables cannot drift from the interface.
// A table lives between two marker comments, naming the action.yml relative to the markdown file:
//
//   <!-- inputs: action.yml -->        <!-- outputs: action.yml -->
//   …                                  …
//   <!-- end -->                       <!-- end -->
//
// The actions are the action.yml files at the root and in its first-level folders (a new action
// folder is picked up by itself); each one's README.md beside it must hold both of its tables.
// `--check` writes nothing: it exits 1 naming every file whose tables differ from what the
// action.yml files say (run `npm run docs` to rewrite them), and every action whose README lacks one.
// `--root <dir>` works on another copy of the repository (the tests mutate one).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')

interface ActionInput {
  description?: unknown
  required?: unknown
  default?: unknown
}

interface ActionYaml {
  inputs?: Record<string, ActionInput | null>
  outputs?: Record<string, { description?: unknown } | null>
}

const MARKER = /<!-- (inputs|outputs): (\S+) -->\n[\s\S]*?<!-- end -->/g
const skipped = (name: string): boolean => name.startsWith('.') || name === 'node_modules'

const folders = (root: string): string[] =>
  readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !skipped(entry.name))
    .map((entry) => entry.name)
    .sort()

/** The actions, as paths relative to the root: `action.yml`, then `<folder>/action.yml` for each first-level folder that has one. */
export function actionFiles(root: string = REPO): string[] {
  return ['action.yml', ...folders(root).map((folder) => `${folder}/action.yml`)].filter((file) => existsSync(join(root, file)))
}

/**
 * The documentation a workflow author reads, as paths relative to the root: README.md, each
 * first-level folder's README.md, docs/*.md and CONTRIBUTING.md (the ones that exist).
 */
export function markdownFiles(root: string = REPO): string[] {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((file) => file.endsWith('.md'))
        .sort()
        .map((file) => `docs/${file}`)
    : []
  return ['README.md', ...folders(root).map((folder) => `${folder}/README.md`), ...docs, 'CONTRIBUTING.md'].filter((file) =>
    existsSync(join(root, file))
  )
}

/** Text from action.yml as one line of a markdown table cell: nothing in it is read as markup. */
export function cell(text: string): string {
  const escapes: Record<string, string> = { '\\': '\\\\', '`': '\\`', '*': '\\*', '|': '\\|', '&': '&amp;', '<': '&lt;', '>': '&gt;' }
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*|&<>]/g, (c) => escapes[c]!)
}

const code = (text: string): string => `\`${text}\``
const description = (value: { description?: unknown } | null | undefined): string => cell(String(value?.description ?? ''))

export function inputsTable(action: ActionYaml): string {
  const rows = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const required = input?.required === true || input?.required === 'true'
    const fallback = input?.default === undefined || input.default === null ? undefined : String(input.default)
    const value = fallback !== undefined ? code(fallback) : required ? '*required*' : '—'
    return `| ${code(name)} | ${value} | ${description(input)} |`
  })
  return ['| Input | Default | Description |', '|---|---|---|', ...rows].join('\n')
}

export function outputsTable(action: ActionYaml): string {
  const rows = Object.entries(action.outputs ?? {}).map(([name, output]) => `| ${code(name)} | ${description(output)} |`)
  return ['| Output | Description |', '|---|---|', ...rows].join('\n')
}

/**
 * The markdown with every table between markers rewritten from the action.yml it names
 * (relative to the markdown file), and the action files it names that do not exist.
 */
export function renderTables(markdown: string, file: string, root: string = REPO): { text: string; tables: string[]; errors: string[] } {
  const tables: string[] = []
  const errors: string[] = []
  const text = markdown.replace(MARKER, (block, kind: string, target: string) => {
    const action = relative(root, resolve(root, dirname(file), target))
    if (!existsSync(join(root, action))) {
      errors.push(`${file}: the ${kind} table names ${target}, which does not exist (${action})`)
      return block
    }
    tables.push(`${kind}:${action}`)
    const parsed = (parse(readFileSync(join(root, action), 'utf8')) ?? {}) as ActionYaml
    const table = kind === 'inputs' ? inputsTable(parsed) : outputsTable(parsed)
    return `<!-- ${kind}: ${target} -->\n\n${table}\n\n<!-- end -->`
  })
  return { text, tables, errors }
}

export interface DocsReport {
  /** Markdown files whose tables differ from their action.yml (rewritten unless checking). */
  changed: string[]
  /** What no rewrite fixes: a missing table, a table naming no action.yml. */
  errors: string[]
}

/** Rewrites (or, with `check`, compares) every table; each action's README must have both of its own. */
export function actionDocs(root: string = REPO, options: { check: boolean } = { check: false }): DocsReport {
  const changed: string[] = []
  const errors: string[] = []
  const found = new Set<string>()
  for (const file of markdownFiles(root)) {
    const before = readFileSync(join(root, file), 'utf8')
    const { text, tables, errors: fileErrors } = renderTables(before, file, root)
    errors.push(...fileErrors)
    for (const table of tables) found.add(`${file}|${table}`)
    if (text !== before) {
      changed.push(file)
      if (!options.check) writeFileSync(join(root, file), text)
    }
  }
  for (const action of actionFiles(root)) {
    const readme = join(dirname(action), 'README.md')
    for (const kind of ['inputs', 'outputs']) {
      if (!found.has(`${readme}|${kind}:${action}`)) {
        errors.push(`${readme}: no ${kind} table for ${action}; add <!-- ${kind}: action.yml --> and <!-- end --> where it goes`)
      }
    }
  }
  return { changed, errors }
}

function main(args: string[]): number {
  const check = args.includes('--check')
  const at = args.indexOf('--root')
  const root = at >= 0 && args[at + 1] ? resolve(args[at + 1]!) : REPO
  const { changed, errors } = actionDocs(root, { check })
  for (const error of errors) console.error(error)
  if (check) {
    for (const file of changed) console.error(`${file}: its inputs or outputs table differs from action.yml; run npm run docs`)
    return changed.length > 0 || errors.length > 0 ? 1 : 0
  }
  for (const file of changed) console.log(`${file}: tables rewritten from action.yml`)
  return errors.length > 0 ? 1 : 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2))
