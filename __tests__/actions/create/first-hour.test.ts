import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { useWorld, errors } from '../world.ts'

const world = useWorld()

/** A loopback port nothing listens on: credential probes sent there are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('no Azure credential at all', () => {
  test('one error, within 5 s, says what to do and why each credential was unavailable', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`
    // No az, pwsh or azd on PATH, no Azure CLI profile, managed identity probes on a closed loopback port.
    const empty = mkdtempSync(join(tmpdir(), 'no-tools-'))
    const result = await world.run(
      { 'client-id': '', 'tenant-id': '' },
      { env: { PATH: empty, AZURE_CONFIG_DIR: empty, IDENTITY_ENDPOINT: closed, IMDS_ENDPOINT: closed } }
    )
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeLessThan(5_000)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    const lines = decodeURIComponent(error!.replace(/^::error::/, '')).split('\n')
    expect(lines[0]).toMatch(/^Set client-id and tenant-id .*, or run azure\/login before this step/)
    // One line for each credential of the chain, each with its own reason.
    for (const reason of [/EnvironmentCredential is unavailable/, /ManagedIdentityCredential/, /Azure CLI could not be found/]) {
      expect(lines.filter((line) => line.startsWith('- ') && reason.test(line))).toHaveLength(1)
    }
    expect(world.azure.requests.filter((r) => r.host.includes('.vault.'))).toEqual([])
  }, 30_000)
})

describe('a well-formed vault name that does not exist', () => {
  const NO_DNS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'no-dns.ts')
  test.each<[string, Record<string, string>]>([
    ['the proxy cannot resolve it', {}],
    // The vault host bypasses the proxy and meets a resolver that knows no such name.
    ['without a proxy, ENOTFOUND', { NO_PROXY: 'bek-dmeo.vault.azure.net', NODE_OPTIONS: `--import=${NO_DNS}` }]
  ])('%s: one error within 3 s naming key-vault, not retried', async (_, env) => {
    const result = await world.run({ 'key-vault': 'bek-dmeo' }, { env })
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeLessThan(3_000)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::Input 'key-vault': vault 'bek-dmeo' was not found in AzureCloud \(bek-dmeo\.vault\.azure\.net does not resolve\)\. Check the name/
      )
    ])
    expect(result.stdout).not.toMatch(/Retry|after retries/)
    const tunnels = world.azure.connects.filter((c) => c.target === 'bek-dmeo.vault.azure.net:443')
    if (env.NO_PROXY) expect(tunnels).toEqual([])
    // Not retried: the connections opened ahead of time, then one try of each first request.
    else expect(tunnels.length).toBeLessThanOrEqual(5)
    expect(world.azure.requests.filter((r) => r.host.includes('.vault.'))).toEqual([])
  })
})

describe('npm run demo: the whole key life cycle, each step with its proof', () => {
  const demo = (...args: string[]) => {
    const started = Date.now()
    const run = spawnSync(process.execPath, ['scripts/demo.ts', ...args], { encoding: 'utf8', timeout: 60_000 })
    return { status: run.status, output: run.stdout + run.stderr, ms: Date.now() - started }
  }
  const STEPS = ['create', 'image', 'rotate', 'inventory', 'rewrap', 'inventory-again', 'estate', 'copy-keys', 'restore-keys']

  test('every step runs its bundle and proves what it claims, in order, within seconds', () => {
    const { status, output, ms } = demo()
    const proofs = output.split('\n').filter((line) => /^ {4}[\u2713\u2717] /.test(line))
    expect(proofs.map((line) => /^ {4}(.) ([\w-]+):/.exec(line)?.slice(1, 3))).toEqual(STEPS.map((name) => ['\u2713', name]))
    expect(output).toContain('encryption-settings names it and its vault by ID; the ADE stand-in unlocks with it at boot')
    expect(output).toContain('the build got the key the vault stores, in a 0600 file; the post step wiped it')
    expect(output).toMatch(/inventory: 0 at risk \(every BEK still unwraps\); 2 BEK version\(s\) on a KEK version that is not current/)
    expect(output).toContain('rewrap: 2 secret(s) have a new version on the current KEK version, holding the same key')
    expect(output).toContain('fail-on: not-current passed')
    expect(output).toContain('estate: 2 of 9 ADE disks at risk at their next boot')
    expect(output).toContain(
      "copy-keys: bek-demo-dr holds the BEK wrapped with its own KEK, and that KEK's private key unwraps it to the source's key"
    )
    expect(output).toContain('the ADE stand-in boots with the same key as before the loss')
    expect(output).toMatch(/\nEvery step proved what it claims, in \d+\.\d s\./)
    expect(status).toBe(0)
    expect(ms).toBeLessThan(20_000)
  }, 60_000)

  test('--step runs one step, after the ones it needs, quietly', () => {
    const { status, output } = demo('--step', 'rewrap')
    expect(output).toContain('First, quietly: create, rotate.')
    expect(output.match(/^\u25b6 /gm)).toHaveLength(1)
    expect(output).toContain('\u2713 rewrap: 1 secret(s) have a new version on the current KEK version, holding the same key')
    expect(status).toBe(0)
  }, 60_000)

  test('an unknown step is refused, naming the steps', () => {
    const { status, output } = demo('--step', 'rewarp')
    expect(output).toContain(`'rewarp' is not a step; the steps are ${STEPS.join(', ')}`)
    expect(status).toBe(2)
  })
})
