import { expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findAz, testWith } from '../interop/tools.ts'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const LAST_LINE = 'cat "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY"'

/** Runs a pasted block as a second terminal would: its own directory, a plain PATH (no Node 24 on it). */
async function paste(block: string): Promise<{ code: number | null; stdout: string }> {
  const shell = spawn('bash', ['-c', block], {
    cwd: mkdtempSync(join(tmpdir(), 'second-terminal-')),
    env: { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  shell.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  shell.stderr.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  const [code] = (await once(shell, 'close')) as [number | null]
  return { code, stdout }
}

test('npm run emulator prints a command that works when pasted twice: two new BEKs, no warning', async () => {
  const cli = spawn(process.execPath, [join(REPO, 'emulator', 'cli.ts')], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    let printed = ''
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d))
    const deadline = Date.now() + 20_000
    while (!printed.includes(LAST_LINE) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(printed).toContain(LAST_LINE)
    const block = printed.slice(printed.indexOf('# To run the action'))
    expect(block).toContain("'INPUT_KEY-VAULT=bek-demo'")
    expect(block).toContain("'INPUT_OS-TYPE=linux'")

    const names: string[] = []
    for (const attempt of [1, 2]) {
      const { code, stdout } = await paste(block)
      expect({ attempt, code }).toEqual({ attempt, code: 0 })
      expect(stdout.split('\n').filter((line) => /^::(warning|error)::/.test(line))).toEqual([])
      // The output file, as `cat "$GITHUB_OUTPUT"` shows it: name<<delimiter, value, delimiter.
      const name = /^secret-name<<(\S+)\n(.+)\n\1$/m.exec(stdout)?.[2]
      expect(name).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/)
      expect(stdout).toContain(`<td>${name}</td>`)
      names.push(name!)
    }
    expect(names[0]).not.toBe(names[1])
  } finally {
    cli.kill('SIGTERM')
    if (cli.exitCode === null) await once(cli, 'exit')
  }
}, 60_000)

test('npm run emulator -- --write-env .env, as CONTRIBUTING.md prints it, starts and writes the dotenv file', async () => {
  const line = readFileSync(join(REPO, 'CONTRIBUTING.md'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('npm run emulator -- '))
  expect(line).toBeDefined()
  const command = line!.replace(/\s+#.*$/, '')
  const cwd = mkdtempSync(join(tmpdir(), 'walkthrough-'))
  // The command as written, from a checkout: npm runs the repository's script, with its Node 24.
  const cli = spawn('bash', ['-c', `cd ${JSON.stringify(REPO)} && exec ${command.replace('.env', JSON.stringify(join(cwd, '.env')))}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  try {
    let printed = ''
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d))
    cli.stderr.setEncoding('utf8').on('data', (d: string) => (printed += d))
    const deadline = Date.now() + 30_000
    while (!printed.includes('# Wrote ') && cli.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect({ exitCode: cli.exitCode, printed: printed.slice(-300) }).toEqual({
      exitCode: null,
      printed: expect.stringContaining('# Wrote ')
    })
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toMatch(/^INPUT_KEY-VAULT=/m)
  } finally {
    if (cli.exitCode === null && cli.pid) process.kill(-cli.pid, 'SIGTERM')
    if (cli.exitCode === null) await once(cli, 'exit')
  }
}, 60_000)

/** Starts `npm run emulator`'s script and waits for its whole output (the az block ends it). */
async function startEmulator(): Promise<{ printed: string; stop: () => Promise<void> }> {
  const cli = spawn(process.execPath, [join(REPO, 'emulator', 'cli.ts')], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
  let printed = ''
  cli.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d))
  const deadline = Date.now() + 20_000
  while (!printed.includes('/rotate?api-version=7.5') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  const stop = async () => {
    cli.kill('SIGTERM')
    if (cli.exitCode === null) await once(cli, 'exit')
  }
  return { printed, stop }
}

const { az, missing } = await findAz()
testWith("npm run emulator's az block", missing)(
  "npm run emulator's az block works as printed: federated sign-in, the subscription, the vault's ID, a KEK rotation",
  async () => {
    expect(az).toBeDefined()
    const { printed, stop } = await startEmulator()
    try {
      const subscription = /^# {3}subscription ([0-9a-f-]{36}) /m.exec(printed)?.[1]
      expect(subscription).toBeDefined()
      const kek = /^# {3}KEK {8}(\S+)/m.exec(printed)?.[1]
      expect(kek).toMatch(/^https:\/\/bek-demo\.vault\.azure\.net\/keys\/disk-kek\/[0-9a-f]{32}$/)
      const block = printed.slice(printed.indexOf('# To drive the Azure CLI'))
      expect(block).toContain('az login --service-principal')
      const { code, stdout } = await paste(block)
      expect({ code, stdout }).toEqual({ code: 0, stdout: expect.any(String) })
      const lines = stdout.trim().split('\n')
      // az login's table names the subscription the app has Reader on; then the three queries' answers.
      expect(stdout).toMatch(/^AzureCloud +[0-9a-f-]{36} +True +Estate +Enabled/m)
      expect(lines.at(-3)).toBe(subscription)
      expect(lines.at(-2)).toBe(`/subscriptions/${subscription}/resourceGroups/rg-bek-demo/providers/Microsoft.KeyVault/vaults/bek-demo`)
      // The rotation made a second version: the identity may rotate the KEK.
      expect(lines.at(-1)).toMatch(/^https:\/\/bek-demo\.vault\.azure\.net\/keys\/disk-kek\/[0-9a-f]{32}$/)
      expect(lines.at(-1)).not.toBe(kek)
    } finally {
      await stop()
    }
  },
  90_000
)
