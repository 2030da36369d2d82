/**
 * The rewrap action, run from its bundle: BEKs made by the root action and by another tool
 * under KEK v1, a rotation, then a dry run, the rewrap, a re-run, and a rewrap whose old KEK
 * version is disabled.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../emulator/runner.ts'
import { KEK, VAULT, useWorld, errors } from './world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'rewrap', 'index.js')
const kid = (version: string): string => `https://${VAULT}.vault.azure.net/keys/${KEK}/${version}`

function rewrap(inputs: Record<string, string> = {}): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  return runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    timeoutMs: 60_000
  })
}

/** Wraps like the Azure SDK for Python does for ADE: locally, with the KEK's public key. */
function storeLikeAnotherTool(name: string, version: string, privateKeyPem: string, algorithm: 'RSA-OAEP' | 'RSA-OAEP-256'): void {
  const key = createPublicKey(privateKeyPem)
  const value = publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSA-OAEP' ? 'sha1' : 'sha256' },
    randomBytes(32)
  ).toString('base64url')
  world.azure.keyVault.setSecret(VAULT, name, {
    value,
    contentType: 'Wrapped BEK',
    tags: {
      DiskEncryptionKeyFileName: `${name}.BEK`,
      DiskEncryptionKeyEncryptionAlgorithm: algorithm,
      DiskEncryptionKeyEncryptionKeyURL: kid(version),
      MachineName: 'vm-01'
    }
  })
}

const v: Record<string, string> = {}
const plaintext = new Map<string, string>()
const pem: Record<string, string> = {}
let names: string[] = []

beforeAll(async () => {
  v.v1 = world.kekVersion
  const made = await world.run({ count: '12', 'os-type': 'linux' })
  expect(made.exitCode).toBe(0)
  pem.v1 = world.azure.keyVault.getKey(VAULT, KEK)!.privateKeyPem
  for (let i = 0; i < 3; i++) storeLikeAnotherTool(`ADE-${i}`, v.v1, pem.v1, i === 0 ? 'RSA-OAEP-256' : 'RSA-OAEP')
  world.azure.keyVault.setSecret(VAULT, 'db-password', { value: 'hunter2' })
  names = world.azure.keyVault
    .secretNames(VAULT)
    .filter((n) => n !== 'db-password')
    .sort((a, b) => a.localeCompare(b))
  for (const name of names) {
    const [stored] = world.versions(name)
    const alg = stored!.tags!.DiskEncryptionKeyEncryptionAlgorithm!
    plaintext.set(name, world.unwrapLocally(stored!.value, alg).toString('hex'))
  }
  v.v2 = (await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })).version // the rotation
}, 90_000)

const ops = (op: string): number => world.azure.requests.filter((r) => r.operation === op).length

describe('rewrap', () => {
  test('a dry run lists what would be rewrapped and wraps and stores nothing', async () => {
    const result = await rewrap({ 'dry-run': 'true' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(ops('setSecret')).toBe(0)
    expect(ops('wrapKey')).toBe(0)
    expect(ops('unwrapKey')).toBe(0)
    expect(JSON.parse(result.outputs.rewrapped!)).toEqual([])
    for (const name of names) expect(result.stdout).toContain(`Would rewrap ${name} (now on ${kid(v.v1)})`)
    expect(result.summary).toContain(`Would rewrap (${names.length})`)
  })

  test('rewraps every BEK onto the current version: one new version each, same bytes, tags updated, verified', async () => {
    const result = await rewrap()
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    const rewrapped = JSON.parse(result.outputs.rewrapped!) as Array<Record<string, string>>
    expect(rewrapped.map((r) => r.name)).toEqual(names)
    for (const r of rewrapped) {
      const [before, after, ...more] = world.versions(r.name)
      expect(more).toEqual([])
      expect(r['previous-secret-url']).toBe(before!.id)
      expect(r['secret-url']).toBe(after!.id)
      expect(r['kek-url']).toBe(kid(v.v2))
      expect(r['previous-kek-url']).toBe(kid(v.v1))
      expect(after!.attributes.enabled).toBe(true)
      expect(after!.contentType).toBe('Wrapped BEK')
      expect(after!.tags).toEqual({ ...before!.tags, DiskEncryptionKeyEncryptionKeyURL: kid(v.v2) })
      // The private key of v2, outside the vault, unwraps the new value to the same bytes.
      const alg = after!.tags!.DiskEncryptionKeyEncryptionAlgorithm!
      expect(world.unwrapLocally(after!.value, alg).toString('hex')).toBe(plaintext.get(r.name))
    }
    expect(world.versions('db-password')).toHaveLength(1)
    expect(ops('setSecret')).toBe(names.length)
    expect(ops('wrapKey')).toBe(names.length)
    expect(ops('unwrapKey')).toBe(2 * names.length) // the old value, then the new one to verify
    expect(world.azure.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0)
    // No wrapped value in the log, except where the runner is told to mask it.
    const unmasked = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
    expect(unmasked.filter((line) => /[A-Za-z0-9_-]{300,}/.test(line))).toEqual([])
  })

  test('a second run changes nothing and reports every BEK as current', async () => {
    const result = await rewrap()
    expect(result.exitCode).toBe(0)
    expect(ops('setSecret')).toBe(0)
    expect(ops('wrapKey')).toBe(0)
    expect(JSON.parse(result.outputs.rewrapped!)).toEqual([])
    // A selection skips what is current before reading it; named secrets are read and skipped.
    const named = await rewrap({ 'secret-name': names.slice(0, 2).join('\n') })
    expect(named.exitCode).toBe(0)
    expect(JSON.parse(named.outputs.skipped!)).toEqual(
      names.slice(0, 2).map((name) => ({ name, reason: `current: already on ${kid(v.v2)}` }))
    )
  })

  test('an old KEK version that is disabled: a clear error per secret, the rest done, a re-run completes', async () => {
    storeLikeAnotherTool('late-1', v.v1, pem.v1!, 'RSA-OAEP')
    storeLikeAnotherTool('late-2', v.v1, pem.v1!, 'RSA-OAEP')
    v.v3 = (await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })).version
    world.azure.keyVault.updateKey(VAULT, KEK, { enabled: false }, v.v2)
    world.azure.clearLogs()

    const partial = await rewrap()
    expect(partial.exitCode).toBe(1)
    const lines = errors(partial)
    expect(lines.filter((line) => line.includes(`cannot unwrap it with ${kid(v.v2)}`))).toHaveLength(names.length)
    expect(lines[0]).toContain('Re-enable that KEK version for the rewrap')
    expect(lines.at(-1)).toContain(`${names.length} of ${names.length + 2} secret(s) were not rewrapped`)
    expect(JSON.parse(partial.outputs.rewrapped!).map((r: { name: string }) => r.name)).toEqual(['late-1', 'late-2'])
    expect(ops('setSecret')).toBe(2)

    world.azure.keyVault.updateKey(VAULT, KEK, { enabled: true }, v.v2)
    world.azure.clearLogs()
    const rest = await rewrap()
    expect(errors(rest)).toEqual([])
    expect(rest.exitCode).toBe(0)
    expect(JSON.parse(rest.outputs.rewrapped!).map((r: { name: string }) => r.name)).toEqual(names)
    expect(ops('setSecret')).toBe(names.length)
    for (const name of ['late-1', 'late-2', ...names]) {
      expect(world.versions(name).at(-1)!.tags!.DiskEncryptionKeyEncryptionKeyURL).toBe(kid(v.v3))
    }
  })

  test('bad inputs fail before any request, naming the input', async () => {
    const result = await rewrap({ 'from-kek': 'https://elsewhere.example.com/keys/k' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toHaveLength(1)
    expect(errors(result)[0]).toContain("Input 'from-kek'")
    expect(world.azure.requests).toHaveLength(0)
  })
})
