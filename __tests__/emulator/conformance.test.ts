// Replays every example of the Key Vault REST spec (2026-04-01) against the stand-in and checks
// the responses against the spec's schemas and the examples' shapes.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { shapeDiff, validate } from './json-schema.ts'
import { setup, type Fixture } from './helpers.ts'

const SPEC_DIR = fileURLToPath(new URL('../../emulator/spec/keyvault-2026-04-01/', import.meta.url))
const specs = ['keys.json', 'secrets.json'].map((f) => JSON.parse(readFileSync(SPEC_DIR + f, 'utf8')) as Record<string, any>)
const examples: Array<Record<string, any>> = readdirSync(SPEC_DIR + 'examples').map((f) => ({
  file: f,
  ...(JSON.parse(readFileSync(`${SPEC_DIR}examples/${f}`, 'utf8')) as Record<string, any>)
}))

function findOperation(operationId: string): { spec: Record<string, any>; path: string; method: string; op: Record<string, any> } {
  for (const spec of specs) {
    for (const [path, ops] of Object.entries<Record<string, any>>(spec['paths'])) {
      for (const [method, op] of Object.entries<Record<string, any>>(ops)) {
        if (op?.operationId?.toLowerCase() === operationId.toLowerCase()) return { spec, path, method: method.toUpperCase(), op }
      }
    }
  }
  throw new Error(`operation ${operationId} not in spec`)
}

let f: Fixture
const versions: Record<string, string> = {}
const blobs: Record<string, string> = {}
beforeAll(async () => {
  f = await setup({}, 'myvault')
  f.az.keyVault.grant('myvault', f.objectId, 'Key Vault Administrator')
  const tags = { purpose: 'unit test', 'test name ': 'CreateGetDeleteKeyTest' }
  versions['CreateSoftKeyTest'] = (await f.az.keyVault.createKey('myvault', 'CreateSoftKeyTest', { tags })).version
  versions['sdktestkey'] = (await f.az.keyVault.createKey('myvault', 'sdktestkey')).version
  const put = async (name: string, value: string) =>
    ((await f.kv('PUT', `/secrets/${name}`, { body: { value } })).json.id as string).split('/').pop()!
  versions['mysecretname'] = await put('mysecretname', 'mysecretvalue')
  await put('listsecretversionstest', 'v1')
  await put('listsecretversionstest', 'v2')
  await put('GetDeletedSecretTest', 'gone')
  // Backup and restore: the examples' blobs come from a real vault, so the restores replay a blob
  // of this vault's own, of an object made, backed up and purged here under the example's name.
  await f.az.keyVault.createKey('myvault', 'testkey')
  await put('testsecret', 'to back up')
  const nbf = new Date(1262332800 * 1000)
  const exp = new Date(1893484800 * 1000)
  await f.az.keyVault.createKey('myvault', 'KeyBackupRestoreTest', { enabled: false, nbf, exp })
  blobs['RestoreKey'] = f.az.keyVault.backup('myvault', 'key', 'KeyBackupRestoreTest')
  f.az.keyVault.deleteKey('myvault', 'KeyBackupRestoreTest')
  f.az.keyVault.purgeKey('myvault', 'KeyBackupRestoreTest')
  const attributes = { enabled: true, nbf: 1262332800, exp: 1893484800 }
  await f.kv('PUT', '/secrets/SecretBackupRestoreTest', { body: { value: 'restored', contentType: 'text', attributes } })
  blobs['RestoreSecret'] = f.az.keyVault.backup('myvault', 'secret', 'SecretBackupRestoreTest')
  f.az.keyVault.deleteSecret('myvault', 'SecretBackupRestoreTest')
  f.az.keyVault.purgeSecret('myvault', 'SecretBackupRestoreTest')
})
afterAll(async () => {
  await f.close()
})

describe('Key Vault REST spec examples', () => {
  test('every example file is covered', () => {
    expect(examples.map((e) => e.file).sort()).toEqual([
      'BackupKey-example.json',
      'BackupSecret-example.json',
      'CreateKey-example.json',
      'DeleteSecret-example.json',
      'GetKey-example.json',
      'GetSecret-example.json',
      'GetSecretVersions-example.json',
      'RestoreKey-example.json',
      'RestoreSecret-example.json',
      'SetSecret-example.json',
      'unwrapKey-example.json',
      'wrapKey-example.json'
    ])
  })

  test.each(examples.map((e) => [e.file, e] as const))('%s', async (_file, example) => {
    const { spec, path, method, op } = findOperation(example['operationId'])
    const params: Record<string, any> = example['parameters']
    const name = params['key-name'] ?? params['secret-name']
    let url = path
      .replace('{key-name}', encodeURIComponent(name))
      .replace('{secret-name}', encodeURIComponent(name))
      .replace('{key-version}', versions[name] ?? '')
      .replace('{secret-version}', versions[name] ?? '')
    const query = new URLSearchParams({ 'api-version': params['api-version'] })
    if (params['maxresults'] !== undefined) query.set('maxresults', String(params['maxresults']))
    url = `${params['vaultBaseUrl'].replace(/\/$/, '')}${url}?${query}`

    let body = params['parameters']
    const expected = example['responses']['200']?.body
    if (example['operationId'] === 'unwrapKey') {
      // The example's ciphertext belongs to another key: wrap the expected plaintext with ours first.
      const wrapped = await f.kv('POST', `/keys/${name}/wrapkey`, { body: { alg: body.alg, value: expected.value } })
      body = { ...body, value: wrapped.json.value }
    }
    if (blobs[example['operationId']]) body = { value: blobs[example['operationId']] }
    const res = await f.http.request(method, url, {
      headers: { authorization: `Bearer ${await f.vaultToken()}` },
      ...(body !== undefined ? { body } : {})
    })
    expect(res.status).toBe(200)
    const schema = op['responses']['200']['schema']
    expect(validate(res.json, schema, spec)).toEqual([])
    expect(shapeDiff(expected, res.json)).toEqual([])
    if (example['operationId'] === 'unwrapKey') expect(res.json.value).toBe(expected.value)
    // A backup blob is opaque, but carries the same header as the real ones (a length byte, then the kind).
    if (example['operationId'].startsWith('Backup')) {
      const header = (value: string) => {
        const bytes = Buffer.from(value, 'base64url')
        return bytes.subarray(0, 1 + bytes[0]!).toString('latin1')
      }
      expect(header(res.json.value)).toBe(header(expected.value))
    }
    // Identifiers have the same layout; only generated versions differ.
    const norm = (s: string) =>
      s
        .replace(/[0-9a-f]{32}/g, '<version>')
        .replace(/\$skiptoken=[^&]+/, '$skiptoken=<t>')
        .replace(/api-version=[^&]+/, 'api-version=<v>')
    for (const field of ['kid', 'id', 'recoveryId']) {
      if (typeof expected?.[field] === 'string') expect(norm(res.json[field])).toBe(norm(expected[field]))
      if (typeof expected?.key?.[field] === 'string') expect(norm(res.json.key[field])).toBe(norm(expected.key[field]))
    }
    if (expected?.nextLink) expect(norm(res.json.nextLink)).toBe(norm(expected.nextLink))
  })

  test('error responses match the KeyVaultError schema', async () => {
    const keysSpec = specs[0]!
    const res = await f.kv('GET', '/keys/does-not-exist')
    expect(validate(res.json, { $ref: '#/definitions/KeyVaultError' }, keysSpec)).toEqual([])
    const rbac = await f.kv('PUT', '/secrets/x', {
      token: f.az.entra.issueAccessToken(f.az.entra.registerApp().clientId, 'https://vault.azure.net'),
      body: { value: 'x' }
    })
    expect(rbac.status).toBe(403)
    expect(validate(rbac.json, { $ref: '#/definitions/KeyVaultError' }, keysSpec)).toEqual([])
  })
})

describe('Recovery Services REST spec example', () => {
  test("RecoveryPoints_Get.json: an encrypted VM's recovery point, with keyAndSecret", async () => {
    const dir = fileURLToPath(new URL('../../emulator/spec/recoveryservicesbackup-2024-10-01/examples/', import.meta.url))
    const example = JSON.parse(readFileSync(`${dir}RecoveryPoints_Get.json`, 'utf8')) as Record<string, any>
    const vault = f.az.keyVault.vault('myvault')
    await f.az.keyVault.createKey('myvault', 'rp-kek')
    f.az.keyVault.setSecret('myvault', 'rp-bek', { value: 'd3JhcHBlZA', contentType: 'Wrapped BEK' })
    const id = f.az.arm.recoveryPoints.add({
      subscriptionId: vault.subscriptionId,
      resourceGroup: 'rshhtestmdvmrg',
      vault: 'rshvault',
      vmName: 'rshmdvmsmall',
      osType: 'Linux',
      secret: { vault, name: 'rp-bek' },
      kek: { vault, name: 'rp-kek' }
    })
    f.az.arm.recoveryPoints.grantBackupReader(id, f.objectId)
    const token = await f.token({
      grant_type: 'client_credentials',
      client_id: f.clientId,
      scope: 'https://management.azure.com/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: f.az.github.mint()
    })
    const url = `https://management.azure.com${id}?api-version=${example['parameters']['api-version']}`
    const res = await f.http.request('GET', url, { headers: { authorization: `Bearer ${token.json.access_token}` } })
    expect(res.status).toBe(200)
    const expected = example['responses']['200'].body
    expect(shapeDiff(expected, res.json)).toEqual([])
    const layout = (s: string) =>
      s.replace(/\/subscriptions\/[^/]+/, '/subscriptions/<s>').replace(/\/recoveryPoints\/\d+$/, '/recoveryPoints/<rp>')
    expect(layout(res.json.id)).toBe(layout(expected.id))
    expect(res.json.type).toBe(expected.type)
    const { kekDetails, bekDetails, encryptionMechanism } = res.json.properties.keyAndSecret
    expect(encryptionMechanism).toBe('KekAndBek')
    expect(Object.keys(kekDetails).sort()).toEqual(['keyBackupData', 'keyUrl', 'keyVaultId'])
    expect(Object.keys(bekDetails).sort()).toEqual(['secretData', 'secretUrl', 'secretVaultId'])
    // Azure Backup gives the key backup as standard base64: the bytes of the vault's base64url blob.
    expect(kekDetails.keyBackupData).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect(Buffer.from(kekDetails.keyBackupData, 'base64').subarray(1, 39).toString()).toBe('AzureKeyVaultKeyBackupV1.microsoft.com')
    expect(bekDetails.secretData).toBe('d3JhcHBlZA')
    expect(res.json.properties.osType).toBe('Linux')
  })
})
