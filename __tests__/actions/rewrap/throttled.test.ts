/**
 * The rewrap bundle against a throttling vault that leaves it less than Key Vault's documented
 * budget (as when another client shares the vault): the action's pace is too fast for it, so
 * 429s come back and must be waited out. Nothing may be lost, and nothing leaks with debug
 * logging on. The 300-BEK version, at Key Vault's limits and at half of them, is bench
 * scenario 4 (bench/rewrap.ts).
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { KEK, VAULT, useWorld, errors } from '../world.ts'

const COUNT = 50
// 20 secret writes and 60 RSA-3072 operations per 3 s: a third of what the action paces itself to.
const world = useWorld({ throttling: true, throttleLimits: { windowMs: 3000, secretWrite: 20, rsaOp: 60 * 4, other: 1000 } })
const ENTRY = join(process.cwd(), 'dist', 'rewrap', 'index.js')
const kid = (version: string): string => `https://${VAULT}.vault.azure.net/keys/${KEK}/${version}`
const plaintext = new Map<string, Buffer>()
let v2 = ''

/** A run of the rewrap bundle, debug on, leak-scanned (every BEK's bytes, every token, every wrapped value). */
async function rewrap(): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': clientId!, 'tenant-id': tenantId! },
    debug: true,
    timeoutMs: 90_000
  })
  expect(result.stdout).toContain('::debug::')
  const wrapped = [...plaintext.keys()].flatMap((name) => world.versions(name).map((version) => version.value))
  expect(leaks(result, { plaintexts: [...plaintext.values()], tokens: issuedTokens(world.azure), wrapped })).toEqual([])
  return result
}

beforeAll(async () => {
  const publicKey = createPublicKey(world.azure.keyVault.getKey(VAULT, KEK)!.privateKeyPem)
  for (let i = 0; i < COUNT; i++) {
    const name = `bek-${String(i).padStart(3, '0')}`
    const bytes = randomBytes(32)
    plaintext.set(name, bytes)
    world.azure.keyVault.setSecret(VAULT, name, {
      value: publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, bytes).toString('base64url'),
      contentType: 'Wrapped BEK',
      tags: {
        DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
        DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
        DiskEncryptionKeyEncryptionKeyURL: kid(world.kekVersion)
      }
    })
  }
  v2 = (await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })).version // the rotation
})

const count = (operation: string, status: number): number =>
  world.azure.requests.filter((r) => r.operation === operation && r.status === status).length

describe('rewrap against a throttling vault', () => {
  test(`${COUNT} BEKs: every 429 waited out, each BEK rewrapped exactly once, same bytes`, async () => {
    const result = await rewrap()
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)

    // The vault did throttle, and every throttled request was retried until it went through.
    const throttled = world.azure.requests.filter((r) => r.status === 429)
    expect(throttled.length).toBeGreaterThan(0)
    expect(count('setSecret', 200)).toBe(COUNT)
    expect(count('wrapKey', 200)).toBe(COUNT)
    expect(count('unwrapKey', 200)).toBe(2 * COUNT)
    expect(world.azure.requests.filter((r) => r.status >= 400 && r.status !== 429)).toEqual([])
    console.log(
      `throttled rewrap: ${COUNT} BEKs in ${result.durationMs} ms, ${throttled.length} × 429 (${[...new Set(throttled.map((r) => r.operation))].join(', ')})`
    )

    // Nothing lost: one new version each, on v2, unwrapping (private key, outside the vault) to the same bytes.
    const rewrapped = JSON.parse(result.outputs.rewrapped!) as Array<{ name: string; 'secret-url': string }>
    expect(rewrapped.map((r) => r.name)).toEqual([...plaintext.keys()])
    for (const [name, bytes] of plaintext) {
      const versions = world.versions(name)
      expect(versions).toHaveLength(2)
      const latest = versions[1]!
      expect(rewrapped.find((r) => r.name === name)!['secret-url']).toBe(latest.id)
      expect(latest.tags!.DiskEncryptionKeyEncryptionKeyURL).toBe(kid(v2))
      expect(world.unwrapLocally(latest.value, 'RSA-OAEP').equals(bytes)).toBe(true)
    }
  }, 90_000)

  test('a re-run stores nothing', async () => {
    const result = await rewrap()
    expect(result.exitCode).toBe(0)
    expect(world.azure.requests.filter((r) => r.method === 'PUT')).toEqual([])
    // Listed as current, as action.yml says of skipped.
    expect(JSON.parse(result.outputs.skipped!)).toEqual(
      [...plaintext.keys()].sort((a, b) => a.localeCompare(b)).map((name) => ({ name, reason: `current: already on ${kid(v2)}` }))
    )
    expect(JSON.parse(result.outputs.rewrapped!)).toEqual([])
  }, 60_000)
})
