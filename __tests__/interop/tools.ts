// Runs the independent clients (Debian's python3-azure and azure-cli) as child processes,
// asynchronously: the stand-ins they talk to are served by this process's event loop.
import { test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'

export const PYTHON = '/usr/bin/python3'

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
 * Says why a suite is skipped where the tool is missing: on stderr (Jest prints no console output
 * for a file whose tests are all skipped) and as the name of a skipped test.
 */
export function announceSkip(suite: string, reason: string): void {
  process.stderr.write(`\n[interop] ${suite} tests skipped: ${reason}\n`)
  test.skip(`${suite}: skipped because ${reason}`, () => {})
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
