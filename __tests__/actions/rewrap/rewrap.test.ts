/**
 * The rewrap action, run from its bundle with debug logging on: 60 BEKs under KEK v1 (made by
 * the root action, by the Azure SDK for Python the way ADE makes them, and by a tool that wraps
 * locally) next to unrelated secrets, a rotation, then a dry run, the rewrap, a re-run, and a
 * rewrap whose old KEK version is disabled; the ADE stand-in boots from every new version.
 * Every run is scanned for leaks.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAde } from '../../../emulator/ade.ts'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { pythonSdkMissing, runPythonSdkClient, testWith } from '../../interop/tools.ts'
import { findCryptsetup } from '../disk-tools.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { KEK, VAULT, useWorld, errors } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'rewrap', 'index.js')
const kid = (version: string): string => `https://${VAULT}.vault.azure.net/keys/${KEK}/${version}`

const BY_ACTION = 45
const BY_PYTHON = 12
const BY_LOCAL_TOOL = 3
const UNRELATED = ['db-password', 'tls-cert']

const v: Record<string, string> = {}
const plaintext = new Map<string, Buffer>()
const wrappedValues: string[] = []
const pem: Record<string, string> = {}
let names: string[] = []
const pythonMissing = await pythonSdkMissing()
const { cryptsetup, missing: cryptsetupMissing } = await findCryptsetup()
let rewrappedRows: Array<Record<string, string>> = []

/** A run of the rewrap bundle, debug on, checked for leaks before anything else looks at it. */
async function rewrap(inputs: Record<string, string> = {}): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    debug: true,
    timeoutMs: 60_000
  })
  const current = names.flatMap((name) => world.versions(name).map((version) => version.value))
  expect(
    leaks(result, { plaintexts: [...plaintext.values()], tokens: issuedTokens(world.azure), wrapped: [...wrappedValues, ...current] })
  ).toEqual([])
  return result
}

/** The Azure SDK for Python (Debian's python3-azure) as this world's app, through the proxy and CA. */
async function python(mode: string, secretNames: readonly string[], extra: Record<string, string> = {}): Promise<any> {
  const r = await runPythonSdkClient(
    world.azure,
    {
      TENANT_ID: world.tenantId,
      CLIENT_ID: world.clientId,
      VAULT_URL: world.azure.keyVault.vaultUrl(VAULT),
      MODE: mode,
      SECRET_NAMES: secretNames.join('\n'),
      ...extra
    },
    90_000
  )
  expect({ code: r.code, ok: r.json?.ok, error: r.json?.error, stderr: r.code === 0 ? '' : r.stderr }).toEqual({
    code: 0,
    ok: true,
    error: undefined,
    stderr: ''
  })
  return r.json
}

/** Wraps locally with the KEK's public key, as a tool without wrapKey permission would; remembers the bytes. */
function storeLikeAnotherTool(name: string, version: string, privateKeyPem: string, algorithm: 'RSA-OAEP' | 'RSA-OAEP-256'): void {
  const key = createPublicKey(privateKeyPem)
  const bytes = randomBytes(32)
  const value = publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSA-OAEP' ? 'sha1' : 'sha256' },
    bytes
  ).toString('base64url')
  plaintext.set(name, bytes)
  wrappedValues.push(value)
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

/** Remembers what every latest version unwraps to with the KEK's private key, outside the vault. */
function rememberPlaintexts(secretNames: readonly string[]): void {
  for (const name of secretNames) {
    const stored = world.versions(name).at(-1)!
    wrappedValues.push(stored.value)
    plaintext.set(name, world.unwrapLocally(stored.value, stored.tags!.DiskEncryptionKeyEncryptionAlgorithm!))
  }
}

const unrelatedBefore: Record<string, unknown> = {}

beforeAll(async () => {
  v.v1 = world.kekVersion
  const made = await world.run({ count: String(BY_ACTION), 'os-type': 'linux' })
  expect(errors(made)).toEqual([])
  pem.v1 = world.azure.keyVault.getKey(VAULT, KEK)!.privateKeyPem
  const ade = Array.from({ length: BY_PYTHON }, () => crypto.randomUUID().toUpperCase())
  if (pythonMissing) {
    process.stderr.write(`\n[rewrap] BEKs made by the Azure SDK for Python replaced by local wraps: ${pythonMissing}\n`)
    for (const name of ade) storeLikeAnotherTool(name, v.v1, pem.v1, 'RSA-OAEP-256')
  } else {
    const out = await python('create-many', ade, { KEK_URL: kid(v.v1) })
    for (const created of out.created as Array<{ secretId: string; keyHex: string }>) {
      // The bytes Python generated are what the vault's KEK unwraps, independently of the vault.
      const name = created.secretId.split('/').at(-2)!
      const stored = world.versions(name)[0]!
      expect(world.unwrapLocally(stored.value, 'RSA-OAEP-256').toString('hex')).toBe(created.keyHex)
    }
  }
  for (let i = 0; i < BY_LOCAL_TOOL; i++) storeLikeAnotherTool(`OTHER-${i}`, v.v1, pem.v1, i === 0 ? 'RSA-OAEP-256' : 'RSA-OAEP')
  world.azure.keyVault.setSecret(VAULT, 'db-password', { value: 'hunter2' })
  world.azure.keyVault.setSecret(VAULT, 'tls-cert', { value: 'cert', contentType: 'application/x-pem-file', tags: { owner: 'web' } })
  for (const name of UNRELATED) unrelatedBefore[name] = world.versions(name)
  names = world.azure.keyVault
    .secretNames(VAULT)
    .filter((n) => !UNRELATED.includes(n))
    .sort((a, b) => a.localeCompare(b))
  expect(names).toHaveLength(60)
  rememberPlaintexts(names)
  v.v2 = (await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })).version // the rotation
}, 180_000)

const ops = (op: string): number => world.azure.requests.filter((r) => r.operation === op).length

describe('rewrap', () => {
  test('a dry run lists what would be rewrapped and stores nothing', async () => {
    const result = await rewrap({ 'dry-run': 'true' })
    expect(result.stdout).toContain('::debug::') // debug logging really is on
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(ops('setSecret')).toBe(0)
    // It proves what the rewrap needs (issue 19, item 13): each value unwrapped with its KEK
    // version (and zeroed), and one throw-away key wrapped with the target per algorithm.
    const algorithms = new Set(names.map((name) => world.versions(name).at(-1)!.tags!.DiskEncryptionKeyEncryptionAlgorithm ?? 'RSA-OAEP'))
    expect(ops('wrapKey')).toBe(algorithms.size)
    expect(ops('unwrapKey')).toBe(names.length)
    const writes = world.azure.requests.filter((r) => r.host.includes('.vault.') && r.method !== 'GET')
    expect(writes.filter((r) => !(r.method === 'POST' && /\/(?:un)?wrapkey$/.test(r.path)))).toEqual([])
    expect(JSON.parse(result.outputs.rewrapped!)).toEqual([])
    for (const name of names) expect(result.stdout).toContain(`Would rewrap ${name} (now on ${kid(v.v1)})`)
    expect(result.summary).toContain(`Would rewrap (${names.length})`)
  }, 60_000)

  test('rewraps every BEK onto the current version: one new version each, same bytes, tags updated, verified', async () => {
    const result = await rewrap()
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    const rewrapped = JSON.parse(result.outputs.rewrapped!) as Array<Record<string, string>>
    expect(rewrapped.map((r) => r.name)).toEqual(names)
    rewrappedRows = rewrapped
    for (const r of rewrapped) {
      const [before, after, ...more] = world.versions(r.name)
      expect(more).toEqual([])
      expect(r['previous-secret-url']).toBe(before!.id)
      expect(r['secret-url']).toBe(after!.id)
      expect(r['kek-url']).toBe(kid(v.v2))
      expect(r['previous-kek-url']).toBe(kid(v.v1))
      expect(after!.attributes.enabled).toBe(true)
      expect(before!.attributes.enabled).toBe(true) // the old version stays for VMs that still use it
      expect(after!.contentType).toBe('Wrapped BEK')
      // CreatedBy names the run that rewrapped it (rewrap-provenance.test.ts checks its exact value).
      expect(after!.tags).toEqual({
        ...before!.tags,
        DiskEncryptionKeyEncryptionKeyURL: kid(v.v2),
        CreatedBy: expect.stringMatching(/^https:\/\/github\.com\/contoso\/infra\/actions\/runs\/\d+\/attempts\/1$/)
      })
      // The private key of v2, outside the vault, unwraps the new value to the same bytes.
      const alg = after!.tags!.DiskEncryptionKeyEncryptionAlgorithm!
      expect(world.unwrapLocally(after!.value, alg).equals(plaintext.get(r.name)!)).toBe(true)
      wrappedValues.push(after!.value)
    }
    for (const name of UNRELATED) expect(world.versions(name)).toEqual(unrelatedBefore[name])
    expect(ops('setSecret')).toBe(names.length)
    expect(ops('wrapKey')).toBe(names.length)
    expect(ops('unwrapKey')).toBe(2 * names.length) // the old value, then the new one to verify
    // Each verify unwrapped the value just stored, with the target version.
    const verifies = world.azure.requests.filter((r) => r.operation === 'unwrapKey' && r.path.includes(`/${v.v2}/`))
    expect(verifies).toHaveLength(names.length)
    expect(world.azure.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0)
  }, 90_000)

  const vaultUnwrap = testWith('rewrap: Azure SDK for Python', pythonMissing)
  vaultUnwrap(
    'the vault, asked by the Azure SDK for Python, unwraps every new version to the same bytes',
    async () => {
      world.azure.clearLogs()
      const out = await python('unwrap-many', names)
      const byName = new Map(
        (out.unwrapped as Array<{ name: string; secretId: string; unwrapKeyId: string; keyHex: string }>).map((u) => [u.name, u])
      )
      for (const name of names) {
        const latest = world.versions(name).at(-1)!
        expect(byName.get(name)).toEqual({
          name,
          secretId: latest.id,
          unwrapKeyId: kid(v.v2),
          keyHex: plaintext.get(name)!.toString('hex')
        })
      }
      expect(world.azure.requests.filter((r) => r.operation === 'unwrapKey' && r.status === 200)).toHaveLength(names.length)
    },
    120_000
  )

  test('the ADE stand-in, given each new secret-url and kek-url, writes the same bytes; the previous version still boots', async () => {
    const ade = startAde(world.azure, { vaults: [VAULT] })
    try {
      expect(rewrappedRows).toHaveLength(names.length)
      for (const r of rewrappedRows) {
        const file = await ade.boot({ secretUrl: r['secret-url']!, keyUrl: r['kek-url']! })
        expect((await readFile(file.path)).equals(plaintext.get(r.name!)!)).toBe(true)
      }
      // Old versions stay: a VM still pointing at one keeps booting until it is moved.
      const [first] = rewrappedRows
      const old = await ade.boot({ secretUrl: first!['previous-secret-url']!, keyUrl: first!['previous-kek-url']! })
      expect((await readFile(old.path)).equals(plaintext.get(first!.name!)!)).toBe(true)
    } finally {
      await ade.close()
    }
  }, 90_000)

  const luks = testWith('rewrap: cryptsetup', cryptsetup ? undefined : (cryptsetupMissing ?? 'cryptsetup not found'))
  luks(
    `a LUKS2 image made with a BEK's bytes before the rotation unlocks with what ADE writes from the new version${cryptsetupMissing ? ` (skipped: ${cryptsetupMissing})` : ''}`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rewrap-luks-'))
      const ade = startAde(world.azure, { vaults: [VAULT] })
      try {
        const r = rewrappedRows.find((row) => world.versions(row.name!)[0]!.tags!.CreatedBy)! // made by the root action
        await writeFile(join(dir, 'before.key'), plaintext.get(r.name!)!, { mode: 0o600 })
        await cryptsetup!.luksFormat(join(dir, 'disk.img'), join(dir, 'before.key'))
        const file = await ade.boot({ secretUrl: r['secret-url']!, keyUrl: r['kek-url']! }, { osType: 'linux' })
        expect(file.fileName).toBe('LinuxPassPhraseFileName')
        expect(await cryptsetup!.luksOpen(join(dir, 'disk.img'), file.path)).toBe(0)
        // And another BEK's new version does not open it.
        const other = rewrappedRows.find((row) => row.name !== r.name)!
        const wrong = await ade.boot({ secretUrl: other['secret-url']!, keyUrl: other['kek-url']! })
        expect(await cryptsetup!.luksOpen(join(dir, 'disk.img'), wrong.path)).not.toBe(0)
      } finally {
        await ade.close()
        await rm(dir, { recursive: true, force: true })
      }
    },
    90_000
  )

  test('a second run changes nothing and reports every BEK as current', async () => {
    const result = await rewrap()
    expect(result.exitCode).toBe(0)
    expect(ops('setSecret')).toBe(0)
    expect(ops('wrapKey')).toBe(0)
    expect(world.azure.requests.filter((r) => r.method === 'PUT')).toEqual([])
    expect(JSON.parse(result.outputs.rewrapped!)).toEqual([])
    // A selection skips what is current before reading it; named secrets are read and skipped.
    const named = await rewrap({ 'secret-name': names.slice(0, 2).join('\n') })
    expect(named.exitCode).toBe(0)
    expect(JSON.parse(named.outputs.skipped!)).toEqual(
      names.slice(0, 2).map((name) => ({ name, reason: `current: already on ${kid(v.v2)}` }))
    )
  }, 60_000)

  test('an old KEK version that is disabled: a clear error per secret, the rest done, a re-run completes', async () => {
    storeLikeAnotherTool('late-1', v.v1, pem.v1!, 'RSA-OAEP')
    storeLikeAnotherTool('late-2', v.v1, pem.v1!, 'RSA-OAEP')
    names.push('late-1', 'late-2')
    const onV2 = names.filter((name) => !name.startsWith('late-'))
    v.v3 = (await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })).version
    world.azure.keyVault.updateKey(VAULT, KEK, { enabled: false }, v.v2)
    world.azure.clearLogs()

    const partial = await rewrap()
    expect(partial.exitCode).toBe(1)
    const lines = errors(partial)
    expect(lines.filter((line) => line.includes(`cannot unwrap it with ${kid(v.v2)}`))).toHaveLength(onV2.length)
    expect(lines[0]).toContain('Re-enable that KEK version for the rewrap')
    expect(lines.at(-1)).toContain(`${onV2.length} of ${onV2.length + 2} secret(s) were not rewrapped`)
    expect(JSON.parse(partial.outputs.rewrapped!).map((r: { name: string }) => r.name)).toEqual(['late-1', 'late-2'])
    expect(ops('setSecret')).toBe(2)

    world.azure.keyVault.updateKey(VAULT, KEK, { enabled: true }, v.v2)
    world.azure.clearLogs()
    const rest = await rewrap()
    expect(errors(rest)).toEqual([])
    expect(rest.exitCode).toBe(0)
    expect(JSON.parse(rest.outputs.rewrapped!).map((r: { name: string }) => r.name)).toEqual(onV2)
    expect(ops('setSecret')).toBe(onV2.length)
    for (const name of names) {
      const latest = world.versions(name).at(-1)!
      expect(latest.tags!.DiskEncryptionKeyEncryptionKeyURL).toBe(kid(v.v3))
      expect(world.unwrapLocally(latest.value, latest.tags!.DiskEncryptionKeyEncryptionAlgorithm!).equals(plaintext.get(name)!)).toBe(true)
    }
    // Nothing was rewrapped twice: v1 → v2 → v3 for the first 60, v1 → v3 for the late two.
    for (const name of onV2) expect(world.versions(name)).toHaveLength(3)
    for (const name of ['late-1', 'late-2']) expect(world.versions(name)).toHaveLength(2)
  }, 90_000)

  test('bad inputs fail before any request, naming the input', async () => {
    const result = await rewrap({ 'from-kek': 'https://elsewhere.example.com/keys/k' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toHaveLength(1)
    expect(errors(result)[0]).toContain("Input 'from-kek'")
    expect(world.azure.requests).toHaveLength(0)
  })
})
