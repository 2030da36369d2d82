// Runs a JavaScript action the way the GitHub runner does: a fresh Node process with INPUT_*
// variables, the file-command files, and nothing else from the parent environment.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LocalAzure } from './index.ts'

export interface RunActionOptions {
  localAzure: LocalAzure
  inputs: Record<string, string>
  env?: Record<string, string>
  debug?: boolean
  /** Default: <repo>/dist/index.js; POST_ENTRY for the post step. */
  entry?: string
  /**
   * The job's folder (workspace and RUNNER_TEMP inside), kept after the run so that a later
   * step, or the post step, sees what this one left there. Default: a new one, removed after.
   */
  jobDir?: string
  /** What the main step saved with core.saveState, for a post step (as STATE_<name>). */
  state?: Record<string, string>
  timeoutMs?: number
  /** Measure the step's peak resident set size (peakRssKiB). */
  measureMemory?: boolean
}

export interface RunActionResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** Variables the action exported via GITHUB_ENV. */
  exportedEnv: Record<string, string>
  summary: string
  /** What the step saved for its post step (core.saveState). */
  state: Record<string, string>
  /** Date.now() just before the spawn, to place the stand-ins' log entries on the run's clock. */
  startedAt: number
  durationMs: number
  /** With measureMemory: the process's peak resident set size, from getrusage at its exit. */
  peakRssKiB?: number
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const POST_ENTRY = join(REPO_ROOT, 'dist', 'post', 'index.js')
const PEAK_MEMORY = join(REPO_ROOT, 'emulator', 'peak-memory.ts')

/** A job folder for several steps (see RunActionOptions.jobDir); the caller removes it. */
export async function makeJobDir(): Promise<{ dir: string; workspace: string; runnerTemp: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'action-job-'))
  return { dir, workspace: join(dir, 'workspace'), runnerTemp: join(dir, 'temp') }
}

export async function runAction(options: RunActionOptions): Promise<RunActionResult> {
  const dir = options.jobDir ?? (await mkdtemp(join(tmpdir(), 'action-run-')))
  const files = {
    GITHUB_OUTPUT: join(dir, 'file_commands', 'set_output'),
    GITHUB_STEP_SUMMARY: join(dir, 'file_commands', 'step_summary'),
    GITHUB_ENV: join(dir, 'file_commands', 'set_env'),
    GITHUB_STATE: join(dir, 'file_commands', 'save_state'),
    GITHUB_PATH: join(dir, 'file_commands', 'add_path')
  }
  await mkdir(join(dir, 'file_commands'), { recursive: true })
  await mkdir(join(dir, 'workspace'), { recursive: true })
  await mkdir(join(dir, 'temp'), { recursive: true })
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')))

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'contoso/infra',
    GITHUB_REPOSITORY_OWNER: 'contoso',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: String(options.localAzure.github.currentClaims()['sha'] ?? '0'.repeat(40)),
    GITHUB_WORKFLOW: 'Create BEK',
    GITHUB_RUN_ID: String(options.localAzure.github.currentClaims()['run_id'] ?? '1'),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKSPACE: join(dir, 'workspace'),
    RUNNER_TEMP: join(dir, 'temp'),
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'github-hosted',
    ...files,
    ...options.localAzure.env(),
    ...(options.debug ? { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' } : {})
  }
  // The runner keeps hyphens: input `key-vault` becomes INPUT_KEY-VAULT.
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value
  Object.assign(env, options.env ?? {})

  const entry = options.entry ?? join(REPO_ROOT, 'dist', 'index.js')
  const peakRssFile = join(dir, 'peak-rss')
  if (options.measureMemory) env['PEAK_RSS_FILE'] = peakRssFile
  const started = Date.now()
  const child = spawn(process.execPath, [...(options.measureMemory ? ['--import', PEAK_MEMORY] : []), entry], {
    env,
    cwd: env['GITHUB_WORKSPACE'],
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs ?? 60_000)
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res, rej) => {
    child.once('error', rej)
    child.once('close', (code, sig) => res([code, sig]))
  })
  clearTimeout(timer)
  const durationMs = Date.now() - started
  const [outputText, summary, envText, stateText] = await Promise.all([
    readFile(files.GITHUB_OUTPUT, 'utf8'),
    readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    readFile(files.GITHUB_ENV, 'utf8'),
    readFile(files.GITHUB_STATE, 'utf8')
  ])
  const peakRssKiB = options.measureMemory ? Number(await readFile(peakRssFile, 'utf8').catch(() => Number.NaN)) : undefined
  if (!options.jobDir) await rm(dir, { recursive: true, force: true })
  return {
    exitCode,
    signal,
    timedOut,
    stdout,
    stderr,
    outputs: parseFileCommand(outputText),
    exportedEnv: parseFileCommand(envText),
    summary,
    state: parseFileCommand(stateText),
    startedAt: started,
    durationMs,
    peakRssKiB
  }
}

/** Parses `name<<DELIM\nvalue\nDELIM` blocks (what @actions/core writes) and plain `name=value` lines. */
export function parseFileCommand(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delim] = heredoc
      const value: string[] = []
      i++
      while (i < lines.length && lines[i] !== delim) value.push(lines[i++]!)
      out[name!] = value.join('\n')
    } else if (line.includes('=')) {
      const eq = line.indexOf('=')
      out[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return out
}
