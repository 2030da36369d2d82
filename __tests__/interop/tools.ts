// Runs the independent clients (Debian's python3-azure and azure-cli) as child processes,
// asynchronously: the stand-ins they talk to are served by this process's event loop.
import { afterAll, beforeAll, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startLocalAzure, type CreateVaultOptions, type LocalAzure, type RoleName } from '../../emulator/index.ts'
import { runAction, type RunActionResult } from '../../emulator/runner.ts'

export const PYTHON = '/usr/bin/python3'
/** The Azure SDK for Python client (python_sdk_client.py): its MODE says what it does. */
export const PYTHON_SDK_CLIENT = fileURLToPath(new URL('./python_sdk_client.py', import.meta.url))

export interface ToolResult {
  code: number | null
  stdout: string
  stderr: string
  durationMs: number
  /** The last stdout line that parses as JSON, if any. */
  json: any
}

export function runTool(
  command: string,
  args: string[],
  env: Record<string, string>,
  { timeoutMs = 60_000, input }: { timeoutMs?: number; input?: string } = {}
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.stdin.on('error', () => {}) // the child may exit before reading
    child.stdin.end(input ?? '')
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, durationMs: Date.now() - started, json: lastJson(stdout) })
    })
  })
}

function lastJson(stdout: string): unknown {
  const text = stdout.trim()
  try {
    return JSON.parse(text)
  } catch {
    // one JSON document per line: take the last one
  }
  const line = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop()
  try {
    return line ? JSON.parse(line) : undefined
  } catch {
    return undefined
  }
}

/**
 * In CI (`CI=true`, as .ci/run runs) a missing tool fails the run, naming it: a green CI must not
 * stand for interop tests that never ran. A developer's run skips them, saying why.
 */
const TOOLS_REQUIRED = process.env['CI'] === 'true'

/**
 * Says why a suite is skipped where the tool is missing: on stderr (Jest prints no console output
 * for a file whose tests are all skipped) and as the name of a skipped test; in CI, a failing one.
 */
export function announceSkip(suite: string, reason: string): void {
  if (TOOLS_REQUIRED) {
    test(`${suite}: required in CI, but ${reason}`, () => {
      throw new Error(`${suite} cannot run in CI: ${reason}. .ci/install-interop.sh installs the tools.`)
    })
    return
  }
  process.stderr.write(`\n[interop] ${suite} tests skipped: ${reason}\n`)
  test.skip(`${suite}: skipped because ${reason}`, () => {})
}

/** `test`, or where `missing` says a tool is missing, a skip (a failure in CI) that says so. */
export function testWith(suite: string, missing: string | undefined): typeof test | typeof test.skip {
  if (!missing) return test
  announceSkip(suite, missing)
  return test.skip
}

/** Why the Azure SDK for Python cannot be used here, or undefined when it can. */
export async function pythonSdkMissing(): Promise<string | undefined> {
  try {
    await access(PYTHON)
  } catch {
    return `${PYTHON} not found (install Debian's python3-azure: .ci/install-interop.sh)`
  }
  const probe = await runTool(
    PYTHON,
    ['-c', 'import azure.keyvault.keys, azure.keyvault.secrets, azure.identity, msal'],
    { PATH: '/usr/bin:/bin' },
    { timeoutMs: 30_000 }
  ).catch((err: Error) => ({ code: -1, stderr: err.message }))
  if (probe.code !== 0) {
    return `${PYTHON} cannot import azure.keyvault.keys/azure.identity/msal (install Debian's python3-azure: .ci/install-interop.sh): ${probe.stderr.trim().split('\n').pop() ?? ''}`
  }
  return undefined
}

/** Path of the Azure CLI, or why it cannot be used here. */
export async function findAz(): Promise<{ az?: string; missing?: string }> {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':').concat('/usr/bin')) {
    const candidate = `${dir || '.'}/az`
    try {
      await access(candidate, constants.X_OK)
      return { az: candidate }
    } catch {
      // keep looking
    }
  }
  return { missing: "'az' is not on PATH (install Debian's azure-cli: .ci/install-interop.sh)" }
}

/**
 * Runs python_sdk_client.py against `azure`: through its proxy, trusting its CA, signed in with
 * the runner's OIDC token as `env.CLIENT_ID` in the stand-in's tenant. `env` gives MODE and its inputs.
 */
export function runPythonSdkClient(azure: LocalAzure, env: Record<string, string>, timeoutMs = 60_000): Promise<ToolResult> {
  return runTool(
    PYTHON,
    [PYTHON_SDK_CLIENT],
    {
      PATH: '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/tmp',
      PYTHONDONTWRITEBYTECODE: '1',
      ...azure.env(),
      TENANT_ID: azure.entra.tenantId,
      ...env
    },
    { timeoutMs }
  )
}

/** The environment the Azure CLI runs in: its own config dir, the stand-ins' proxy and CA, nothing else. */
export function azEnv(azure: LocalAzure, configDir: string): Record<string, string> {
  const e = azure.env()
  return {
    PATH: '/usr/bin:/bin',
    HOME: configDir,
    AZURE_CONFIG_DIR: configDir,
    AZURE_CORE_COLLECT_TELEMETRY: 'no',
    AZURE_CORE_NO_COLOR: '1',
    AZURE_CORE_SURVEY_MESSAGE: 'no',
    HTTPS_PROXY: e['HTTPS_PROXY']!,
    HTTP_PROXY: e['HTTP_PROXY']!,
    NO_PROXY: '',
    REQUESTS_CA_BUNDLE: e['REQUESTS_CA_BUNDLE']!
  }
}

/** `az login` as azure/login does it: the app, with a GitHub OIDC token minted by the stand-in. */
export function azLogin(
  az: string,
  azure: LocalAzure,
  configDir: string,
  app: { clientId: string; tenantId: string },
  extra: readonly string[] = []
): Promise<ToolResult> {
  const args = ['login', '--service-principal', '-u', app.clientId, '-t', app.tenantId, '--federated-token', azure.github.mint()]
  return runTool(az, [...args, ...extra, '--output', 'json'], azEnv(azure, configDir), { timeoutMs: 90_000 })
}

/** Every request the stand-ins answered, a line each: what a failed interop assertion shows. */
export function trafficText(azure: LocalAzure): string {
  return azure.requests.map((q) => `${q.status} ${q.method} ${q.host}${q.path} ${q.operation ?? ''}`).join('\n')
}

/** What an az interop suite works with, filled in by its beforeAll. */
export interface AzWorld {
  azure: LocalAzure
  /** The CLI's own AZURE_CONFIG_DIR, empty at the start. */
  configDir: string
  app: { clientId: string; objectId: string; tenantId: string }
  kek: { kid: string; version: string }
  /** The action's run, with the vault, the KEK, the app's sign-in and `inputs`. */
  action: RunActionResult
}

/**
 * Registers the set-up of an az interop suite: the stand-ins, a fresh CLI config dir, `vault`
 * with a 3072-bit KEK `kek`, a GitHub app holding `roles` on it, `prepare` (what else the suite
 * needs in the stand-ins), then one run of the action as that app.
 */
export function useAzWorld(options: {
  vault: string
  vaultOptions?: CreateVaultOptions
  kek: string
  roles: readonly RoleName[]
  prepare?: (world: AzWorld) => void
  inputs: (world: AzWorld) => Record<string, string>
}): AzWorld {
  const world = {} as AzWorld
  beforeAll(async () => {
    ;[world.azure, world.configDir] = await Promise.all([startLocalAzure(), mkdtemp(join(tmpdir(), 'azure-cli-config-'))])
    world.azure.keyVault.createVault(options.vault, options.vaultOptions)
    world.kek = await world.azure.keyVault.createKey(options.vault, options.kek, { size: 3072 })
    world.app = world.azure.entra.registerApp({
      federatedCredentials: [
        { issuer: world.azure.github.issuer, subject: 'repo:contoso/infra:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }
      ]
    })
    for (const role of options.roles) world.azure.keyVault.grant(options.vault, world.app.objectId, role)
    options.prepare?.(world)
    world.action = await runAction({
      localAzure: world.azure,
      inputs: {
        'key-vault': options.vault,
        'kek-name': options.kek,
        'client-id': world.app.clientId,
        'tenant-id': world.app.tenantId,
        ...options.inputs(world)
      },
      timeoutMs: 60_000
    })
  }, 120_000)
  afterAll(async () => {
    await world.azure?.close()
    if (world.configDir) await rm(world.configDir, { recursive: true, force: true })
  })
  return world
}
