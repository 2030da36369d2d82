/**
 * The rewrap against a vault, or a proxy in front of it, whose error answer echoes what it was
 * sent or what it found: the wrapkey that carries a production BEK to the new KEK version
 * answers 400 quoting its body, and the unwrap of the old value answers 500 quoting the key it
 * unwrapped. Run from the bundle with debug logging on, nothing of the key (in any encoding) nor
 * of a wrapped value may reach the log, the summary, the outputs or the state.
 */
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { KEK, VAULT, errors, useWorld } from '../world.ts'

// A retried unwrap waits 1 + 2 + 4 s between its attempts.
jest.setTimeout(60_000)
const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'rewrap', 'index.js')
const HOST = `${VAULT}.vault.azure.net`
const plaintexts = new Map<string, Buffer>()
const wrapped: string[] = []
let oldVersion = ''

beforeAll(async () => {
  oldVersion = world.kekVersion
  for (const name of ['echo-wrap', 'echo-unwrap']) {
    const made = await world.run({ 'secret-name': name, 'os-type': 'linux' })
    expect(errors(made)).toEqual([])
    const [stored] = world.versions(name)
    wrapped.push(stored!.value)
    plaintexts.set(name, world.unwrapLocally(stored!.value, 'RSA-OAEP'))
  }
  await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 }) // the rotation
}, 60_000)

async function rewrap(name: string): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  return runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': clientId!, 'tenant-id': tenantId!, 'secret-name': name },
    debug: true,
    timeoutMs: 60_000
  })
}

/** What a run showed of the BEKs and the wrapped values, the state included. */
function shown(result: RunActionResult, name: string): string[] {
  const withState = { ...result, summary: `${result.summary}\n${JSON.stringify(result.state)}` }
  const current = world.versions(name).map((version) => version.value)
  return leaks(withState, { plaintexts: [...plaintexts.values()], tokens: issuedTokens(world.azure), wrapped: [...wrapped, ...current] })
}

describe('rewrap: an answer that echoes a BEK prints nothing of it', () => {
  test('the wrapkey to the new KEK version answers 400 quoting its request body (the BEK)', async () => {
    world.azure.faults.add({ host: HOST, method: 'POST', path: /\/wrapkey$/, status: 400, echoRequest: true })
    const result = await rewrap('echo-wrap')
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::debug::') // debug logging really was on
    expect(world.azure.requests.filter((r) => r.path.endsWith('/wrapkey') && r.status === 400)).toHaveLength(1)
    expect(errors(result).join('\n')).toMatch(/HTTP 400/)
    expect(shown(result, 'echo-wrap')).toEqual([])
    // Masked before the wrapkey that carried it: the runner would print *** for any echo of it.
    const bek = plaintexts.get('echo-wrap')!.toString('base64url')
    expect(result.stdout.split('\n').filter((line) => line === `::add-mask::${bek}`)).toHaveLength(1)
    expect(world.versions('echo-wrap')).toHaveLength(1)
  })

  test('the unwrap of the old value answers 500 quoting the answer it replaced (the BEK)', async () => {
    // Every attempt: the first and the three retries of a transient failure.
    const old = new RegExp(`/keys/${KEK}/${oldVersion}/unwrapkey$`)
    world.azure.faults.add({ host: HOST, method: 'POST', path: old, statusAfterHandling: 500, echoAnswer: true, times: 4 })
    const result = await rewrap('echo-unwrap')
    expect(result.exitCode).toBe(1)
    expect(world.azure.requests.filter((r) => old.test(r.path) && r.status === 500)).toHaveLength(4)
    expect(errors(result).join('\n')).toMatch(/HTTP 500/)
    expect(shown(result, 'echo-unwrap')).toEqual([])
    expect(world.versions('echo-unwrap')).toHaveLength(1)
  })
})
