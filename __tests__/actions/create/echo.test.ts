/**
 * A vault, or a proxy in front of it, whose error answer echoes what it was sent or what it
 * found: the key in a wrapkey's body, the key in an unwrap's answer, the wrapped value in a
 * PUT's body. Run from the bundle with debug logging on and a key-file (the key is the user's
 * own file), nothing of them may reach the log, the summary, the outputs or the state, and each
 * is handed to the runner's masker before the request that carries it.
 */
import { afterEach, describe, expect, jest, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks, visible } from '../leak-scan.ts'
import { VAULT, errors, useWorld } from '../world.ts'

// A retried unwrap waits 1 + 2 + 4 s between its attempts.
jest.setTimeout(60_000)
const world = useWorld()
const HOST = `${VAULT}.vault.azure.net`
const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** A key file of 32 random bytes: the key the vault is asked to wrap. */
function keyFile(): { path: string; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'echo-'))
  dirs.push(dir)
  const key = randomBytes(32)
  writeFileSync(join(dir, 'disk.key'), key)
  return { path: join(dir, 'disk.key'), key }
}

/** What a run showed of the key and the wrapped values, the state included (the post step reads it). */
function shown(result: RunActionResult, key: Buffer, wrapped: readonly string[]): string[] {
  const withState = { ...result, summary: `${result.summary}\n${JSON.stringify(result.state)}` }
  return leaks(withState, { plaintexts: [key], tokens: issuedTokens(world.azure), wrapped })
}

/** How often `value` was handed to the runner's masker (once is enough: it masks every later line). */
function maskLines(result: RunActionResult, value: string): number {
  return result.stdout.split('\n').filter((line) => line === `::add-mask::${value}`).length
}

describe('an answer that echoes the key or the wrapped value prints neither', () => {
  test('wrapkey answers 400 quoting its request body (the key)', async () => {
    const { path, key } = keyFile()
    world.azure.faults.add({ host: HOST, method: 'POST', path: /\/wrapkey$/, status: 400, echoRequest: true })
    const result = await world.run({ 'key-file': path, 'os-type': 'linux', 'secret-name': 'echo-wrap' }, { debug: true })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::debug::') // debug logging really was on
    expect(errors(result)).toEqual([
      expect.stringMatching(/^::error::Could not wrap the key with the KEK in .* \(HTTP 400\)\. Key Vault said: BadParameter/)
    ])
    expect(shown(result, key, [])).toEqual([])
    // Masked before the request: the runner would print *** had anything echoed it.
    expect(maskLines(result, key.toString('base64url'))).toBe(1)
    expect(world.versions('echo-wrap')).toEqual([])
  })

  test('the verifying unwrap answers 500 quoting the answer it replaced (the key)', async () => {
    const { path, key } = keyFile()
    // Every attempt: the first and the three retries of a transient failure.
    world.azure.faults.add({ host: HOST, method: 'POST', path: /\/unwrapkey$/, statusAfterHandling: 500, echoAnswer: true, times: 4 })
    const result = await world.run({ 'key-file': path, 'os-type': 'linux', 'secret-name': 'echo-unwrap', verify: 'true' }, { debug: true })
    expect(result.exitCode).toBe(1)
    expect(world.azure.requests.filter((r) => r.path.endsWith('/unwrapkey'))).toHaveLength(4)
    expect(errors(result)).toEqual([
      expect.stringMatching(/^::error::Verification failed: Key Vault failed to unwrap .*HTTP 500.*was disabled/)
    ])
    const [stored] = world.versions('echo-unwrap')
    expect(stored!.attributes.enabled).toBe(false)
    expect(world.unwrapLocally(stored!.value, 'RSA-OAEP').equals(key)).toBe(true) // the vault really did answer with the key
    expect(shown(result, key, [stored!.value])).toEqual([])
    expect(maskLines(result, key.toString('base64url'))).toBe(1)
    expect(maskLines(result, stored!.value)).toBe(1)
  })

  test('the PUT answers 400 quoting its request body (the wrapped value)', async () => {
    const { path, key } = keyFile()
    world.azure.faults.add({ host: HOST, method: 'PUT', path: /\/secrets\//, status: 400, echoRequest: true })
    const result = await world.run({ 'key-file': path, 'os-type': 'linux', 'secret-name': 'echo-put' }, { debug: true })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/^::error::.*HTTP 400.*Key Vault said: BadParameter/)])
    const put = world.azure.requests.find((r) => r.method === 'PUT')
    expect(put).toBeDefined()
    const wrapped = result.stdout.match(/^::add-mask::([\w-]{300,})$/m)?.[1] ?? ''
    expect(world.unwrapLocally(wrapped, 'RSA-OAEP').equals(key)).toBe(true) // the one masked value is the wrapped key
    expect(shown(result, key, [wrapped])).toEqual([])
    // Nor any part of it: an error line cut at 300 characters still showed most of it.
    const text = visible(result)
    const parts = Array.from({ length: Math.floor(wrapped.length / 20) - 1 }, (_, i) => wrapped.slice(i * 20, i * 20 + 40))
    expect(parts.filter((part) => text.includes(part))).toEqual([])
  })
})
