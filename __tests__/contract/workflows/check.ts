// Checks workflows the way GitHub would see them: @actions/workflow-parser (GitHub's own parser
// and validator) for the syntax and the schema, then this repository's actions' own files for
// every step that uses one of them: inputs given, inputs required, outputs read.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index'
import { parse as parseYaml, stringify } from 'yaml'

export interface ActionFile {
  /** How a workflow names it: '' for the root action, 'inventory' for <repo>/inventory. */
  subpath: string
  file: string
  inputs: Map<string, { required: boolean; hasDefault: boolean }>
  outputs: Set<string>
  errors: string[]
}

export interface WorkflowSource {
  /** Where it comes from, for messages: a file, or <markdown file>:<line>. */
  name: string
  content: string
}

const REPO = 'azure-bek-action'
const parserErrors = (errors: { message: string }[]): string[] => errors.map((e) => e.message)

/** Parses an action.yml with the parser's action schema (action-v1.0) and reads its interface. */
export function readActionFile(file: string, subpath: string, content = readFileSync(file, 'utf8')): ActionFile {
  const parsed = parseAction({ name: file, content }, new NoOperationTraceWriter())
  const errors = parserErrors(parsed.context.errors.getErrors())
  const inputs = new Map<string, { required: boolean; hasDefault: boolean }>()
  const outputs = new Set<string>()
  if (parsed.value && errors.length === 0) {
    const template = convertActionTemplate(parsed.context, parsed.value)
    errors.push(...parserErrors(parsed.context.errors.getErrors()))
    for (const input of template.inputs ?? [])
      inputs.set(input.id, { required: input.required === true, hasDefault: input.default !== undefined })
    for (const output of template.outputs ?? []) outputs.add(output.id)
    const runs = template.runs as { using: string; main?: string; post?: string }
    for (const entry of [runs.main, runs.post]) {
      if (entry && !existsSync(resolve(dirname(file), entry))) errors.push(`${file}: runs entry ${entry} does not exist`)
    }
  }
  return { subpath, file, inputs, outputs, errors: errors.map((e) => (e.startsWith(file) ? e : `${file}: ${e}`)) }
}

/** The root action.yml and every <dir>/action.yml beside it (the sub-actions). */
export function readRepoActions(root: string): Map<string, ActionFile> {
  const actions = new Map<string, ActionFile>([['', readActionFile(join(root, 'action.yml'), '')]])
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue
    const file = join(root, entry.name, 'action.yml')
    if (existsSync(file)) actions.set(entry.name, readActionFile(file, entry.name))
  }
  return actions
}

/** The sub-action a `uses:` names if it is one of this repository's actions, else undefined. */
export function ownActionOf(uses: string): string | undefined {
  const local = /^\.\/?([^@]*?)\/?$/.exec(uses)
  if (local) return local[1]
  const remote = new RegExp(`^[A-Za-z0-9_.-]+/${REPO}(?:/([^@]+?))?/?@.+$`).exec(uses)
  return remote ? (remote[1] ?? '') : undefined
}

/**
 * A markdown file's ```yaml blocks, each made a workflow: a complete one as it is, a job's `steps:`
 * or a list of steps inside a minimal workflow (those continue the README's Quick start, so a
 * step id they do not define is looked up there).
 */
export function markdownWorkflows(markdown: string, file: string): Array<WorkflowSource & { fragment: boolean }> {
  const blocks: Array<WorkflowSource & { fragment: boolean }> = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i]!)) continue
    const start = i + 1
    const body: string[] = []
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!)
    const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length))
    const text = body.map((l) => l.slice(indent)).join('\n') + '\n'
    const data = parseYaml(text) as unknown
    const name = `${file}:${start}`
    if (data && typeof data === 'object' && !Array.isArray(data) && 'jobs' in data) {
      blocks.push({ name, content: text, fragment: false })
    } else {
      const steps = Array.isArray(data)
        ? data
        : data && typeof data === 'object' && 'steps' in data
          ? (data as { steps: unknown }).steps
          : undefined
      if (!Array.isArray(steps)) throw new Error(`${name}: a yaml block that is neither a workflow, a job's steps nor a list of steps`)
      const workflow = {
        name: `${file} fragment at line ${start}`,
        on: 'workflow_dispatch',
        jobs: { fragment: { 'runs-on': 'ubuntu-latest', steps } }
      }
      blocks.push({ name, content: stringify(workflow), fragment: true })
    }
  }
  return blocks
}

type Step = { id?: string; uses?: string; with?: Record<string, unknown> }
type Job = { steps?: Step[]; outputs?: Record<string, unknown> }

/** Every string inside a value (expressions live in strings: with, env, run, if, outputs). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(strings)
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings)
  return []
}

const STEP_OUTPUT = /steps\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g
const NEEDS_OUTPUT = /needs\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g

export interface CheckOptions {
  /** Steps, by id, that a fragment continues (the README's Quick start). */
  outerSteps?: Map<string, Step>
}

/** Every error GitHub's parser finds, then every misuse of this repository's actions. */
export async function checkWorkflow(
  source: WorkflowSource,
  actions: Map<string, ActionFile>,
  options: CheckOptions = {}
): Promise<string[]> {
  const parsed = parseWorkflow({ name: source.name, content: source.content }, new NoOperationTraceWriter())
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value)
  const errors = parserErrors(parsed.context.errors.getErrors()).map((e) => (e.startsWith(source.name) ? e : `${source.name}: ${e}`))
  if (!parsed.value) return errors

  const jobs = ((parseYaml(source.content) as { jobs?: Record<string, Job> }).jobs ?? {}) as Record<string, Job>
  for (const [jobId, job] of Object.entries(jobs)) {
    const steps = new Map<string, Step>(options.outerSteps ?? [])
    for (const step of job.steps ?? []) if (step.id) steps.set(step.id, step)

    for (const [index, step] of (job.steps ?? []).entries()) {
      const own = step.uses === undefined ? undefined : ownActionOf(step.uses)
      if (own === undefined) continue
      const where = `${source.name}: job ${jobId}, step ${step.id ?? index + 1} (${step.uses})`
      const action = actions.get(own)
      if (!action) {
        errors.push(`${where}: this repository has no action ${own}/action.yml`)
        continue
      }
      const given = Object.keys(step.with ?? {})
      for (const key of given) if (!action.inputs.has(key)) errors.push(`${where}: '${key}' is not an input of ${action.file}`)
      for (const [name, input] of action.inputs) {
        if (input.required && !input.hasDefault && !given.includes(name)) errors.push(`${where}: required input '${name}' is not given`)
      }
    }

    for (const text of strings(job)) {
      for (const [, id, dotted, bracketed] of text.matchAll(STEP_OUTPUT)) {
        const output = (dotted ?? bracketed)!
        const step = steps.get(id!)
        if (!step) {
          errors.push(`${source.name}: job ${jobId} reads steps.${id}.outputs.${output}, but no step has id '${id}'`)
          continue
        }
        const own = step.uses === undefined ? undefined : ownActionOf(step.uses)
        const action = own === undefined ? undefined : actions.get(own)
        if (action && !action.outputs.has(output))
          errors.push(`${source.name}: job ${jobId}: '${output}' is not an output of ${action.file} (step ${id})`)
      }
      for (const [, need, dotted, bracketed] of text.matchAll(NEEDS_OUTPUT)) {
        const output = (dotted ?? bracketed)!
        if (!Object.keys(jobs[need!]?.outputs ?? {}).includes(output)) {
          errors.push(`${source.name}: job ${jobId} reads needs.${need}.outputs.${output}, which job ${need} does not declare`)
        }
      }
    }
  }
  return errors
}

/** The steps, by id, of a workflow's jobs (what the fragments continue). */
export function stepsById(content: string): Map<string, Step> {
  const jobs = ((parseYaml(content) as { jobs?: Record<string, Job> }).jobs ?? {}) as Record<string, Job>
  return new Map(Object.values(jobs).flatMap((job) => (job.steps ?? []).filter((s) => s.id).map((s) => [s.id!, s] as [string, Step])))
}
