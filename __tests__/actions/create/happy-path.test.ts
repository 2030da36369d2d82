import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBekFile } from '../../fixtures/bek-file.ts'
import { KEK, VAULT, useWorld, errors, operations } from '../world.ts'

const world = useWorld()

const kid = (version: string, vault = VAULT, key = KEK): string => `https://${vault}.vault.azure.net/keys/${key}/${version}`

describe('one BEK', () => {
  test('windows (default): wrapped with RSA-OAEP, stored with the ADE form, outputs versioned URLs', async () => {
    const result = await world.run()
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe('')
    const { outputs } = result
    const name = outputs['secret-name']
    expect(name).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/)
    expect(outputs['kek-url']).toBe(kid(world.kekVersion))
    expect(outputs['secret-url']).toBe(`https://${VAULT}.vault.azure.net/secrets/${name}/${outputs['secret-version']}`)
    expect(outputs['secret-version']).toMatch(/^[0-9a-f]{32}$/)
    expect(JSON.parse(outputs.secrets)).toEqual([
      { name, 'secret-url': outputs['secret-url'], 'secret-version': outputs['secret-version'], 'kek-url': outputs['kek-url'] }
    ])

    const [stored, ...more] = world.versions(name)
    expect(more).toEqual([])
    expect(stored.id).toBe(outputs['secret-url'])
    expect(stored.contentType).toBe('Wrapped BEK')
    expect(stored.tags).toEqual({
      DiskEncryptionKeyFileName: `${name}.BEK`,
      DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
      DiskEncryptionKeyEncryptionKeyURL: kid(world.kekVersion),
      CreatedBy: `https://github.com/contoso/infra/actions/runs/${world.azure.github.currentClaims()['run_id']}/attempts/1`
    })
    // The stored value is the wrapkey answer (base64url, no padding) and decrypts to a 256-bit key.
    expect(stored.value).toMatch(/^[A-Za-z0-9_-]{512}$/)
    expect(world.unwrapLocally(stored.value, 'RSA-OAEP')).toHaveLength(32)

    // The vault did the wrap: one wrapkey, and no request the job does not need.
    expect(operations(world.azure).sort()).toEqual(['getKey', 'setSecret', 'wrapKey'])
    expect(world.azure.requests.filter((r) => r.operation === 'token')).toHaveLength(1)
    expect(world.azure.requests.filter((r) => r.operation === 'idToken')).toHaveLength(1)
    expect(world.azure.requests).toHaveLength(5)

    // Windows with a raw key: warned in the log and in the summary.
    expect(result.stdout).toMatch(/::warning::os-type is windows but the key is a raw generated key/)
    expect(result.summary).toContain('not a BitLocker startup key')
    expect(result.summary).toContain(outputs['secret-url'])
    expect(result.summary).toContain('encryptionSettingsCollection')
    expect(result.summary).toContain('New-AzDisk -ResourceGroupName')
  })

  test('linux: LinuxPassPhraseFileName and no Windows warning', async () => {
    const result = await world.run({ 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    const [stored] = world.versions(result.outputs['secret-name'])
    expect(stored.tags?.DiskEncryptionKeyFileName).toBe('LinuxPassPhraseFileName')
    expect(result.stdout).not.toContain('::warning::')
  })

  test.each([
    ['RSA-OAEP', '128'],
    ['RSA-OAEP', '192'],
    ['RSA-OAEP-256', '256'],
    ['RSA-OAEP-256', '128'],
    ['RSA1_5', '256']
  ])('%s with a %s-bit key', async (algorithm, bits) => {
    const result = await world.run({ algorithm, 'key-size': bits, 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    const [stored] = world.versions(result.outputs['secret-name'])
    expect(stored.tags?.DiskEncryptionKeyEncryptionAlgorithm).toBe(algorithm)
    expect(world.unwrapLocally(stored.value, algorithm)).toHaveLength(Number(bits) / 8)
    expect(result.stdout.includes('::warning::RSA1_5')).toBe(algorithm === 'RSA1_5')
    expect(operations(world.azure).filter((op) => op === 'wrapKey')).toHaveLength(1)
  })

  test('kek-version pins an older version; without it the current version is used and reported', async () => {
    const older = await world.azure.keyVault.createKey(VAULT, 'rotated-kek', { size: 3072 })
    const newer = await world.azure.keyVault.createKey(VAULT, 'rotated-kek', { size: 3072 })
    const pinned = await world.run({ 'kek-name': 'rotated-kek', 'kek-version': older.version, 'os-type': 'linux' })
    expect(pinned.outputs['kek-url']).toBe(kid(older.version, VAULT, 'rotated-kek'))
    expect(world.versions(pinned.outputs['secret-name'])[0].tags?.DiskEncryptionKeyEncryptionKeyURL).toBe(
      kid(older.version, VAULT, 'rotated-kek')
    )
    const current = await world.run({ 'kek-name': 'rotated-kek', 'os-type': 'linux' })
    expect(current.outputs['kek-url']).toBe(kid(newer.version, VAULT, 'rotated-kek'))
  }, 30_000)

  test('kek-url in a second vault, version-less: the secret in key-vault names the versioned KEK there', async () => {
    world.azure.keyVault.createVault('kek-vault')
    const other = await world.azure.keyVault.createKey('kek-vault', 'central-kek', { size: 4096, kty: 'RSA-HSM' })
    world.azure.keyVault.grant('kek-vault', world.objectId, 'Key Vault Crypto Service Encryption User')
    const result = await world.run({
      'kek-name': '',
      'kek-url': 'https://KEK-VAULT.vault.azure.net:443/keys/central-kek',
      'os-type': 'linux'
    })
    expect(errors(result)).toEqual([])
    expect(result.outputs['kek-url']).toBe(kid(other.version, 'kek-vault', 'central-kek'))
    const [stored] = world.versions(result.outputs['secret-name'])
    expect(stored.tags?.DiskEncryptionKeyEncryptionKeyURL).toBe(result.outputs['kek-url'])
    expect(world.unwrapLocally(stored.value, 'RSA-OAEP', 'kek-vault', 'central-kek')).toHaveLength(32)
    // The snippets name both vaults.
    // The snippets' code, as the reader sees it (HTML entities decoded).
    const summary = result.summary.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    expect(summary).toMatch(/resource kekVault 'Microsoft\.KeyVault\/vaults@[\d-]+' existing = \{\s+name: 'kek-vault'/)
    expect(summary).toMatch(/keyEncryptionKey: \{\s+keyUrl: '[^']+'\s+sourceVault: \{\s+id: kekVault\.id/)
    expect(summary).toContain("$kekVaultId = (Get-AzKeyVault -VaultName 'kek-vault').ResourceId")
  })

  test('key-file with windows: a .BEK file is wrapped unchanged and named after its protector ID', async () => {
    const bek = buildBekFile({ withVolumeGuid: true })
    const dir = mkdtempSync(join(tmpdir(), 'bek-'))
    const path = join(dir, `${bek.guid}.BEK`)
    writeFileSync(path, bek.bytes)
    const result = await world.run({ 'key-file': path, verify: 'true' })
    expect(errors(result)).toEqual([])
    expect(result.outputs['secret-name']).toBe(bek.guid)
    const [stored] = world.versions(bek.guid)
    expect(stored.tags?.DiskEncryptionKeyFileName).toBe(`${bek.guid}.BEK`)
    expect(world.unwrapLocally(stored.value, 'RSA-OAEP').equals(bek.bytes)).toBe(true)
    expect(result.stdout).not.toContain('raw generated key')
    // A name that may exist is checked first; verify unwraps in the vault.
    expect(operations(world.azure).sort()).toEqual(['getKey', 'getSecret', 'setSecret', 'unwrapKey', 'wrapKey'])
  })

  test('key-file with linux: any bytes, e.g. a passphrase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pass-'))
    const path = join(dir, 'passphrase')
    const passphrase = Buffer.from('aGVsbG8gd29ybGQgdGhpcyBpcyBhIHBhc3NwaHJhc2U=')
    writeFileSync(path, passphrase)
    const result = await world.run({ 'key-file': path, 'os-type': 'linux', 'secret-name': 'linux-vm-1' })
    expect(result.exitCode).toBe(0)
    expect(world.unwrapLocally(world.versions('linux-vm-1')[0].value, 'RSA-OAEP').equals(passphrase)).toBe(true)
  })

  test('extra tags follow the ADE tags', async () => {
    const result = await world.run({ tags: 'owner=platform\nMachineName=vm-7', 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    expect(world.versions(result.outputs['secret-name'])[0].tags).toMatchObject({ owner: 'platform', MachineName: 'vm-7' })
  })

  test('verify: the vault unwraps the stored value once', async () => {
    const result = await world.run({ verify: 'true', 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    expect(operations(world.azure).filter((op) => op === 'unwrapKey')).toHaveLength(1)
  })

  test('the key-vault URL form works like the name', async () => {
    const result = await world.run({ 'key-vault': `https://${VAULT}.vault.azure.net/`, 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs['secret-url']).toContain(`https://${VAULT}.vault.azure.net/secrets/`)
  })
})

describe('connections', () => {
  test('vault calls share connections, opened while the OIDC token was fetched', async () => {
    const result = await world.run({ verify: 'true', 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    const vaultRequests = world.azure.requests.filter((r) => r.host.startsWith(`${VAULT}.`))
    const vaultTunnels = world.azure.connects.filter((c) => c.target.startsWith(`${VAULT}.`))
    const [idToken] = world.azure.requests.filter((r) => r.operation === 'idToken')
    expect(vaultRequests).toHaveLength(4)
    // Two are opened ahead for the KEK read and the wrap, which go out together; the rest reuse them.
    expect(vaultTunnels.length).toBeLessThan(vaultRequests.length)
    expect(vaultTunnels.filter((c) => c.at <= idToken.startMs)).toHaveLength(2)
    expect(world.azure.connects.filter((c) => c.target.startsWith('login.'))).toHaveLength(1)
  })
})
