/**
 * The `test-action` job of .github/workflows/ci.yml: the action run with `uses: ./` against the
 * local stand-ins of Entra ID, Key Vault and GitHub OIDC, then its outputs checked against what
 * the vault holds.
 *
 *   node scripts/test-action.ts start <dir>   starts the stand-ins in the background; prints, for
 *                                             $GITHUB_OUTPUT, what the `uses: ./` step needs
 *   node scripts/test-action.ts check <dir>   stops them; checks the action's outputs (env) against
 *                                             the vault, the key-output-file and the CreatedBy tag
 *   node scripts/test-action.ts local [ci.yml] the same job here (.ci/run): its steps, read from
 *                                             ci.yml, from `stand-ins` on, run as the runner would
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startLocalAzure } from '../emulator/index.ts'
import { provisionBekVault } from '../emulator/provision.ts'
import { parseFileCommand } from '../emulator/runner.ts'
import { checkLifeCycle } from './test-action-checks.ts'
import { provisionLifeCycle, type LifeCycleDump } from './test-action-world.ts'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const VAULT = 'bek-ci'
const READY = 'ready.json'
const DUMP = 'vault.json'

interface Ready {
  pid: number
  outputs: Record<string, string>
}

interface Dump extends LifeCycleDump {
  kekId: string
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Whole or not at all: the other process reads the file as soon as it exists. */
function publish(file: string, content: string): void {
  writeFileSync(`${file}.partial`, content)
  renameSync(`${file}.partial`, file)
}
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

async function waitFor(file: string, what: string, timeoutMs: number): Promise<string> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    if (existsSync(file)) return readFileSync(file, 'utf8')
  }
  throw new Error(`${what} did not appear within ${timeoutMs / 1000} s (${file})`)
}

/** The stand-ins, until SIGTERM; then what the vault holds, for `check`. */
async function serve(dir: string): Promise<void> {
  const azure = await startLocalAzure()
  const bek = await provisionBekVault(azure, { vault: VAULT })
  const lifeCycle = await provisionLifeCycle(azure, bek)
  const env = azure.env()
  const outputs = {
    pid: String(process.pid),
    'https-proxy': env['HTTPS_PROXY']!,
    'ca-file': env['NODE_EXTRA_CA_CERTS']!,
    'id-token-request-url': env['ACTIONS_ID_TOKEN_REQUEST_URL']!,
    'id-token-request-token': env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']!,
    'key-vault': bek.vault,
    'kek-name': bek.kek,
    'client-id': bek.clientId,
    'tenant-id': bek.tenantId,
    ...lifeCycle.outputs
  }
  const stop = async () => {
    const dump: Dump = { kekId: bek.kekId, ...lifeCycle.dump() }
    publish(join(dir, DUMP), JSON.stringify(dump, null, 2))
    await azure.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  process.on('SIGINT', () => void stop())
  const ready: Ready = { pid: process.pid, outputs }
  publish(join(dir, READY), JSON.stringify(ready))
}

/** Starts `serve` detached (its output in <dir>/stand-ins.log) and prints its outputs as name=value lines. */
async function start(dir: string): Promise<Ready> {
  mkdirSync(dir, { recursive: true })
  for (const file of [READY, DUMP]) rmSync(join(dir, file), { force: true })
  const log = openSync(join(dir, 'stand-ins.log'), 'a')
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', dir], { detached: true, stdio: ['ignore', log, log] })
  child.unref()
  const ready = JSON.parse(await waitFor(join(dir, READY), 'the stand-ins', 30_000)) as Ready
  return ready
}

/** Every check of the action's outputs (from env, as the step passes them) against the vault's state. */
async function check(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const ready = JSON.parse(readFileSync(join(dir, READY), 'utf8')) as Ready
  process.kill(ready.pid, 'SIGTERM')
  const dump = JSON.parse(await waitFor(join(dir, DUMP), 'the vault contents', 15_000)) as Dump
  const problems: string[] = []
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what)
  }
  const out = (name: string) => env[name.toUpperCase().replace(/-/g, '_')] ?? ''

  // The action's version, then the rewrap's (after the job's KEK rotation).
  expect(dump.secrets.length === 2, `the vault holds ${dump.secrets.length} secret versions, not 2 (the action's and the rewrap's)`)
  const [secret] = dump.secrets
  if (!secret) return problems
  const name = out('secret-name')
  expect(out('secret-url') === secret.id, `output secret-url '${out('secret-url')}' is not the stored secret ${secret.id}`)
  expect(
    secret.id === `https://${VAULT}.vault.azure.net/secrets/${name}/${out('secret-version')}`,
    `secret-name/secret-version do not name ${secret.id}`
  )
  expect(out('kek-url') === dump.kekId, `output kek-url '${out('kek-url')}' is not the KEK version ${dump.kekId}`)
  let listed: unknown
  try {
    listed = JSON.parse(out('secrets'))
  } catch {
    listed = undefined
  }
  const want: Record<string, string> = { name, 'secret-url': secret.id, 'secret-version': out('secret-version'), 'kek-url': dump.kekId }
  const entries = Array.isArray(listed) ? (listed as Array<Record<string, unknown>>) : []
  expect(
    entries.length === 1 && Object.entries(want).every(([k, v]) => entries[0]![k] === v),
    `output secrets '${out('secrets')}' is not the one stored secret`
  )
  expect(secret.enabled, 'the stored version is disabled')
  expect(secret.contentType === 'Wrapped BEK', `content type '${secret.contentType}' is not 'Wrapped BEK'`)
  expect(
    secret.tags['DiskEncryptionKeyEncryptionKeyURL'] === dump.kekId,
    'tag DiskEncryptionKeyEncryptionKeyURL does not name the KEK version'
  )
  expect(secret.tags['DiskEncryptionKeyEncryptionAlgorithm'] === 'RSA-OAEP', 'tag DiskEncryptionKeyEncryptionAlgorithm is not RSA-OAEP')
  const run = `${env['GITHUB_SERVER_URL']}/${env['GITHUB_REPOSITORY']}/actions/runs/${env['GITHUB_RUN_ID']}/attempts/${env['GITHUB_RUN_ATTEMPT']}`
  expect(secret.tags['CreatedBy'] === run, `tag CreatedBy '${secret.tags['CreatedBy']}' is not this run, ${run}`)

  const keyFile = out('key-output-file')
  if (!keyFile || !existsSync(keyFile)) problems.push(`output key-output-file '${keyFile}' is not a file`)
  else {
    expect((lstatSync(keyFile).mode & 0o777) === 0o600, 'the key-output-file is not mode 0600')
    const key = readFileSync(keyFile)
    expect(key.length === 32 && sha256(key) === secret.keySha256, 'the key-output-file does not hold the 256-bit key the vault unwraps')
    key.fill(0)
  }

  // The inventory sub-action, run after it, lists that one BEK version, on a KEK version that is ok.
  let beks: Array<Record<string, unknown>> = []
  try {
    beks = JSON.parse(out('inventory-beks')) as Array<Record<string, unknown>>
  } catch {
    problems.push(`inventory output beks '${out('inventory-beks')}' is not JSON`)
  }
  expect(
    beks.length === 1 && beks[0]!['secret-url'] === secret.id && beks[0]!['kek-url'] === dump.kekId && beks[0]!['kek-state'] === 'ok',
    `inventory output beks '${out('inventory-beks')}' is not the one stored BEK on an ok KEK version`
  )
  expect(beks[0]?.['created-by'] === run, `inventory created-by '${String(beks[0]?.['created-by'])}' is not this run, ${run}`)
  expect(out('inventory-at-risk-count') === '0', `inventory at-risk-count '${out('inventory-at-risk-count')}' is not 0`)
  return [...problems, ...checkLifeCycle(dump, out, run)]
}

type Step = {
  id?: string
  name?: string
  if?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
}

/** Runs a child to its end with the output shown; resolves to its exit code. */
function runChild(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<number | null> {
  return new Promise((res, rej) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'inherit', 'inherit'] })
    child.once('error', rej)
    child.once('close', (code) => res(code))
  })
}

/**
 * The test-action job, here: its steps from `stand-ins` on (the ones before set up the machine,
 * which .ci/run has done), with the runner's variables, per-step file commands, the ${{ }}
 * expressions they use, `uses: ./` and `./<sub-action>` as the runner runs a node action (INPUT_*
 * from `with:` and its action.yml's defaults, a fresh environment), and post steps at the end of the job.
 */
async function local(workflow = join(REPO_ROOT, '.github/workflows/ci.yml')): Promise<void> {
  const { parse } = await import('yaml')
  const job = parse(readFileSync(workflow, 'utf8')).jobs['test-action'] as { steps: Step[] }
  const steps = job.steps.slice(job.steps.findIndex((s) => s.id === 'stand-ins'))
  if (steps.length < 3) throw new Error("ci.yml: job test-action has no step with id 'stand-ins' followed by the action and its check")
  const readAction = (dir: string) =>
    parse(readFileSync(join(REPO_ROOT, dir, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: unknown }>
      runs: { main: string; post?: string }
    }

  const jobDir = mkdtempSync(join(tmpdir(), 'test-action-'))
  const runnerTemp = join(jobDir, 'temp')
  mkdirSync(runnerTemp)
  const runner: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? jobDir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_REPOSITORY: 'contoso/azure-bek-action',
    GITHUB_REPOSITORY_OWNER: 'contoso',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_WORKFLOW: 'CI',
    GITHUB_JOB: 'test-action',
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKSPACE: REPO_ROOT,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'github-hosted'
  }
  const outputs: Record<string, Record<string, string>> = {}
  const expand = (text: string): string =>
    text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
      const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr)
      if (step) return outputs[step[1]!]?.[step[2]!] ?? ''
      if (expr === 'runner.temp') return runnerTemp
      const github = /^github\.(run_id|run_attempt|repository|server_url|sha|workspace)$/.exec(expr)
      if (github) return runner[`GITHUB_${github[1]!.toUpperCase()}`]!
      throw new Error(`ci.yml test-action: the local run does not evaluate \${{ ${expr} }}`)
    })
  const expandAll = (values: Record<string, unknown> = {}) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, expand(String(v))]))

  let standIns: number | undefined
  const posts: Array<{ name: string; entry: string; state: Record<string, string> }> = []
  let failed: string | undefined
  try {
    for (const [index, step] of steps.entries()) {
      const name = step.name ?? step.id ?? `step ${index + 1}`
      if (step.if) throw new Error(`ci.yml test-action, ${name}: the local run does not evaluate if:`)
      const commands = join(jobDir, `step-${index}`)
      mkdirSync(commands)
      const files = Object.fromEntries(
        ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_PATH'].map((v) => [v, join(commands, v)])
      )
      for (const file of Object.values(files)) writeFileSync(file, '')
      const env = { ...runner, ...files, ...expandAll(step.env) }
      console.log(`::group::${name}`)
      let code: number | null
      if (step.run !== undefined) {
        code = await runChild('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(step.run)], env, REPO_ROOT)
      } else if (step.uses?.startsWith('./')) {
        const dir = join(REPO_ROOT, step.uses)
        const action = readAction(step.uses)
        const inputs = {
          ...expandAll(
            Object.fromEntries(
              Object.entries(action.inputs)
                .filter(([, i]) => i.default !== undefined)
                .map(([k, i]) => [k, i.default])
            )
          ),
          ...expandAll(step.with)
        }
        for (const [input, value] of Object.entries(inputs)) env[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`] = value
        code = await runChild(process.execPath, [resolve(dir, action.runs.main)], env, REPO_ROOT)
        const state = parseFileCommand(readFileSync(files['GITHUB_STATE']!, 'utf8'))
        if (action.runs.post) posts.unshift({ name, entry: resolve(dir, action.runs.post), state })
      } else {
        throw new Error(`ci.yml test-action, ${name}: the local run only knows run: steps and this repository's actions (got ${step.uses})`)
      }
      console.log('::endgroup::')
      if (step.id) outputs[step.id] = parseFileCommand(readFileSync(files['GITHUB_OUTPUT']!, 'utf8'))
      if (step.id === 'stand-ins' && outputs['stand-ins']?.['pid']) standIns = Number(outputs['stand-ins']['pid'])
      if (code !== 0) {
        failed = `${name} failed (exit ${code})`
        break
      }
    }
    for (const post of posts) {
      const env: Record<string, string> = { ...runner }
      for (const [key, value] of Object.entries(post.state)) env[`STATE_${key}`] = value
      const code = await runChild(process.execPath, [post.entry], env, REPO_ROOT)
      if (code !== 0 && !failed) failed = `Post ${post.name} failed (exit ${code})`
    }
    // What the job cannot check on GitHub, where the post step runs after every step: the key is gone.
    const keyFile = Object.values(outputs).find((o) => o['key-output-file'])?.['key-output-file']
    if (!failed && keyFile && existsSync(keyFile)) failed = `the post step left the key-output-file ${keyFile}`
  } finally {
    if (standIns !== undefined) {
      try {
        process.kill(standIns, 'SIGTERM')
      } catch {
        // already stopped by the check step
      }
    }
    rmSync(jobDir, { recursive: true, force: true })
  }
  if (failed) throw new Error(`test-action (local): ${failed}`)
  console.log(`test-action (local): ${steps.length} steps of ci.yml's test-action job and the post step passed`)
}

const [command, dir] = process.argv.slice(2)
try {
  if (command === 'serve' && dir) await serve(dir)
  else if (command === 'start' && dir) {
    const ready = await start(dir)
    console.log(
      Object.entries(ready.outputs)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')
    )
  } else if (command === 'check' && dir) {
    const problems = await check(dir, process.env)
    for (const problem of problems) console.log(`::error::test-action: ${problem}`)
    if (problems.length > 0) process.exit(1)
    console.log(
      'test-action: the outputs name the stored secret, its KEK version and this run; the key file holds its key; the inventory lists it'
    )
  } else if (command === 'local') await local(dir)
  else {
    console.error('usage: node scripts/test-action.ts start <dir> | check <dir> | local [workflow file]')
    process.exit(2)
  }
} catch (error) {
  console.log(`::error::${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
