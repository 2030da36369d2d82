import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { describe, expect, test } from '@jest/globals'
import { actionInput } from '../../../src/runner/inputs.ts'
import { type Settings, checkSettings, getSettings, nameSecrets } from '../../../src/actions/create/inputs.ts'
import { InputError } from '../../../src/runner/inputs.ts'
import { inputWarnings } from '../../../src/actions/create/warnings.ts'
import { buildBekFile } from '../../fixtures/bek-file.ts'

const GUID = '11111111-2222-3333-4444-555555555555'
const VERSION = '0123456789abcdef0123456789abcdef'
const base = { 'key-vault': 'my-vault', 'kek-name': 'disk-kek' }
const dir = mkdtempSync(join(tmpdir(), 'inputs-'))

const runner = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'contoso/infra', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1' }

function settings(inputs: Record<string, string>): Settings {
  return getSettings((name) => inputs[name] ?? '', runner)
}

function failure(inputs: Record<string, string>): InputError {
  try {
    settings(inputs)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

describe('defaults', () => {
  test("outside a runner, provenance is left out with a warning among the step's others", () => {
    const s = getSettings((name) => ({ ...base, 'os-type': 'linux' })[name] ?? '', {})
    expect(s.createdBy).toBeUndefined()
    expect(inputWarnings(s)).toEqual([expect.stringMatching(/^No CreatedBy tag: GITHUB_SERVER_URL '' is not a URL/)])
  })

  test('a vault and a KEK name are enough', () => {
    const s = settings(base)
    expect(s.cloud.name).toBe('AzureCloud')
    expect(s.vault).toEqual({ name: 'my-vault', url: 'https://my-vault.vault.azure.net' })
    expect(s.kek).toEqual({ vault: s.vault, name: 'disk-kek', version: undefined })
    expect(s.algorithm).toBe('RSA-OAEP')
    expect(s.keySizeBits).toBe(256)
    expect(s.osType).toBe('windows')
    expect(s.ifExists).toBe('fail')
    expect(s.verify).toBe(false)
    expect(s.auth).toEqual({ kind: 'environment' })
    expect(s.tags).toEqual([])
    expect(s.maxParallel).toBe(16)
    expect(s.secretNames).toHaveLength(1)
    expect(s.secretNames[0]).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/)
    expect(s.secretNamesMayExist).toBe(false)
  })

  test('count makes that many distinct generated names', () => {
    const s = settings({ ...base, count: '50' })
    expect(new Set(s.secretNames).size).toBe(50)
  })

  test('the checks name no secret; fresh names are made only by nameSecrets, given ones kept', () => {
    const checked = checkSettings((name) => ({ ...base, count: '3' })[name] ?? '', runner)
    expect(checked).not.toHaveProperty('secretNames')
    expect(checked).toMatchObject({ givenNames: [], freshNames: 3, secretNamesMayExist: false })
    expect(nameSecrets(checked).secretNames).toHaveLength(3)
    const given = checkSettings((name) => ({ ...base, 'secret-name': 'vm-1\nvm-2' })[name] ?? '', runner)
    expect(nameSecrets(given).secretNames).toEqual(['vm-1', 'vm-2'])
  })
})

describe('actionInput', () => {
  test('reads INPUT_* as core.getInput does: upper-cased, spaces as underscores, hyphens kept, trimmed', () => {
    const env = { 'INPUT_KEY-VAULT': '  my-vault \n', INPUT_KEK_NAME: 'disk-kek', 'INPUT_SECRET-NAME': 'a\nb' }
    const saved = { ...process.env }
    Object.assign(process.env, env)
    try {
      for (const name of ['key-vault', 'kek name', 'Secret-Name', 'not-given']) expect(actionInput(name)).toBe(core.getInput(name))
      expect(actionInput('key-vault')).toBe('my-vault')
    } finally {
      for (const name of Object.keys(env)) if (!(name in saved)) delete process.env[name]
    }
  })
})

describe('key-vault', () => {
  test.each([
    ['My-Vault', 'https://my-vault.vault.azure.net'],
    ['https://my-vault.vault.azure.net/', 'https://my-vault.vault.azure.net'],
    ['https://MY-VAULT.vault.azure.net', 'https://my-vault.vault.azure.net']
  ])('accepts %s', (value, url) => {
    expect(settings({ ...base, 'key-vault': value }).vault.url).toBe(url)
  })

  test('uses the suffix of the chosen cloud', () => {
    expect(settings({ ...base, environment: 'azurechinacloud' }).vault.url).toBe('https://my-vault.vault.azure.cn')
    expect(settings({ ...base, environment: 'AzureUSGovernment' }).vault.url).toBe('https://my-vault.vault.usgovcloudapi.net')
  })

  test.each([
    ['', /is required/],
    ['ab', /not a vault name/],
    ['1vault', /not a vault name/],
    ['my--vault', /not a vault name/],
    ['vault-', /not a vault name/],
    ['a-very-long-vault-name-over-24', /not a vault name/],
    ['http://my-vault.vault.azure.net/', /must use https/],
    ['https://user:pw@my-vault.vault.azure.net/', /user information/],
    ['https://my-vault.vault.azure.net:8443/', /has a port/],
    ['https://my-vault.vault.azure.net/secrets/x', /path or query/],
    ['https://my-vault.vault.azure.net/?x=1', /path or query/],
    ['https://my-vault.vault.azure.net.evil.com/', /not a Key Vault host/],
    ['https://evil.com/', /not a Key Vault host/],
    ['https://a.b.vault.azure.net/', /not a vault name/],
    ['https://my-vault.vault.azure.cn/', /vault in AzureChinaCloud, but environment is AzureCloud/],
    ['https://my-hsm.managedhsm.azure.net/', /Managed HSM/],
    // Names the input once (in the prefix), and says what to give instead.
    [
      'my-vault.vault.azure.net',
      /^Input 'key-vault': 'my-vault\.vault\.azure\.net' is not a URL; give just the vault name \(my-vault\) or its URL \(https:\/\/my-vault\.vault\.azure\.net\/\)$/
    ]
  ])('refuses %s', (value, message) => {
    const error = failure({ ...base, 'key-vault': value })
    expect(error.input).toBe('key-vault')
    expect(error.message).toMatch(message)
  })
})

describe('KEK', () => {
  test('kek-version pins the version', () => {
    expect(settings({ ...base, 'kek-version': VERSION.toUpperCase() }).kek.version).toBe(VERSION)
  })

  test.each([
    [`https://kek-vault.vault.azure.net/keys/kek/${VERSION}`, 'kek-vault', 'kek', VERSION],
    ['https://kek-vault.vault.azure.net/keys/kek', 'kek-vault', 'kek', undefined],
    ['https://kek-vault.vault.azure.net/keys/kek/', 'kek-vault', 'kek', undefined],
    [`https://kek-vault.vault.azure.net:443/keys/kek/${VERSION}`, 'kek-vault', 'kek', VERSION]
  ])('kek-url %s', (url, vault, name, version) => {
    const { kek } = settings({ 'key-vault': 'my-vault', 'kek-url': url })
    expect(kek).toEqual({ vault: { name: vault, url: `https://${vault}.vault.azure.net` }, name, version })
  })

  test.each([
    [{ 'key-vault': 'my-vault' }, 'kek-name', /one of kek-name or kek-url is required/],
    [{ ...base, 'kek-url': 'https://v1.vault.azure.net/keys/k' }, 'kek-url', /not both/],
    [{ ...base, 'kek-version': 'latest' }, 'kek-version', /32 hexadecimal/],
    [{ ...base, 'kek-name': 'bad_name' }, 'kek-name', /not a key name/],
    [{ 'key-vault': 'v1x', 'kek-url': 'https://hsm1.managedhsm.azure.net/keys/k' }, 'kek-url', /Managed HSM/],
    [{ 'key-vault': 'v1x', 'kek-url': 'https://v2x.vault.azure.net:444/keys/k' }, 'kek-url', /port 444/],
    [{ 'key-vault': 'v1x', 'kek-url': 'https://v2x.vault.azure.net/secrets/k' }, 'kek-url', /not a key identifier/],
    [{ 'key-vault': 'v1x', 'kek-url': 'https://v2x.vault.azure.net/keys/k/v1' }, 'kek-url', /not a key identifier/],
    [{ 'key-vault': 'v1x', 'kek-url': 'https://v2x.vault.azure.net/keys/k?x' }, 'kek-url', /query/],
    [{ 'key-vault': 'v1x', 'kek-url': 'https://attacker.example/keys/k' }, 'kek-url', /not a Key Vault host/],
    [{ 'key-vault': 'v1x', 'kek-url': 'https://v2x.vault.usgovcloudapi.net/keys/k' }, 'kek-url', /AzureUSGovernment/],
    [
      { 'key-vault': 'v1x', 'kek-url': 'v2x.vault.azure.net/keys/k' },
      'kek-url',
      /^Input 'kek-url': 'v2x\.vault\.azure\.net\/keys\/k' is not a URL; give https:\/\/<vault>\.vault\.azure\.net\/keys\/<name>\[\/<version>\]$/
    ]
  ])('refuses %j', (inputs, input, message) => {
    const error = failure(inputs)
    expect(error.input).toBe(input)
    expect(error.message).toMatch(message)
  })
})

describe('choices', () => {
  test('are case-insensitive and normalised', () => {
    const s = settings({
      ...base,
      algorithm: 'rsa-oaep-256',
      'os-type': 'Linux',
      'if-exists': 'REUSE',
      verify: 'True',
      environment: 'azureusgovernment',
      'key-size': '128'
    })
    expect([s.algorithm, s.osType, s.ifExists, s.verify, s.cloud.name, s.keySizeBits]).toEqual([
      'RSA-OAEP-256',
      'linux',
      'reuse',
      true,
      'AzureUSGovernment',
      128
    ])
  })

  test.each([
    ['algorithm', 'RSA-OAEP-512', /RSA-OAEP, RSA-OAEP-256, RSA1_5/],
    ['key-size', '512', /128, 192, 256/],
    ['os-type', 'macos', /windows, linux/],
    ['if-exists', 'overwrite', /fail, reuse, new-version/],
    ['verify', 'yes', /true, false/],
    ['environment', 'AzureGermanCloud', /AzureCloud, AzureChinaCloud, AzureUSGovernment/],
    ['count', '0', /1 to 1000/],
    ['count', '1001', /1 to 1000/],
    ['count', '2.5', /whole number/],
    ['max-parallel', '65', /1 to 64/]
  ])('%s refuses %s', (input, value, message) => {
    const error = failure({ ...base, [input]: value })
    expect(error.input).toBe(input)
    expect(error.message).toMatch(message)
  })
})

describe('secret-name', () => {
  test('one name a line makes a batch, in order', () => {
    const s = settings({ ...base, 'secret-name': 'vm-1\n\n vm-2 \r\nvm-3\n' })
    expect(s.secretNames).toEqual(['vm-1', 'vm-2', 'vm-3'])
    expect(s.secretNamesMayExist).toBe(true)
  })

  test.each([
    ['bad_name', /not a secret name/],
    ['x'.repeat(128), /not a secret name/],
    ['vm-1\nVM-1', /listed twice/]
  ])('refuses %s', (value, message) => {
    const error = failure({ ...base, 'secret-name': value })
    expect(error.input).toBe('secret-name')
    expect(error.message).toMatch(message)
  })

  test.each([
    ['a\nb', /^Input 'count': is 2 and secret-name has 2 lines: give either count/],
    // One name is not "several lines".
    [
      'a',
      /^Input 'count': is 2 and secret-name is set too: give either count \(generated names\) or secret-name \(one name per line\), not both$/
    ]
  ])('refuses count with names (%j)', (names, message) => {
    const error = failure({ ...base, 'secret-name': names, count: '2' })
    expect(error.input).toBe('count')
    expect(error.message).toMatch(message)
    expect(error.message).not.toMatch(/several/)
  })
})

describe('tags', () => {
  test('parses one name=value a line, keeping = in values', () => {
    expect(settings({ ...base, tags: 'owner = team-a\n\nquery=a=b\nempty=' }).tags).toEqual([
      ['owner', 'team-a'],
      ['query', 'a=b'],
      ['empty', '']
    ])
  })

  test.each([
    ['novalue', /not a tag/],
    ['=x', /not a tag/],
    ['DiskEncryptionKeyFileName=x.BEK', /cannot be overridden/],
    ['diskencryptionkeyencryptionkeyurl=x', /cannot be overridden/],
    [`${'n'.repeat(257)}=x`, /at most 256/],
    [`n=${'v'.repeat(257)}`, /at most 256/],
    ['a=1\nA=2', /given twice/],
    [Array.from({ length: 12 }, (_, i) => `t${i}=v`).join('\n'), /CreatedBy take 4, so at most 11 \(12 with provenance: false\)/],
    ['createdby=me', /set provenance: false to give your own/]
  ])('refuses %s', (value, message) => {
    const error = failure({ ...base, tags: value })
    expect(error.input).toBe('tags')
    expect(error.message).toMatch(message)
  })

  test('allows 11 extra tags (15 with the ADE tags and CreatedBy)', () => {
    const s = settings({ ...base, tags: Array.from({ length: 11 }, (_, i) => `t${i}=v`).join('\n') })
    expect(s.tags).toHaveLength(11)
    expect(s.createdBy).toBe('https://github.com/contoso/infra/actions/runs/7/attempts/1')
  })

  test('with provenance: false, allows 12 extra tags, CreatedBy among them, and refuses 13', () => {
    const twelve = [...Array.from({ length: 11 }, (_, i) => `t${i}=v`), 'CreatedBy=me']
    const s = settings({ ...base, provenance: 'false', tags: twelve.join('\n') })
    expect(s.tags).toHaveLength(12)
    expect(s.createdBy).toBeUndefined()
    const error = failure({ ...base, provenance: 'false', tags: [...twelve, 'one=more'].join('\n') })
    expect(error.input).toBe('tags')
    expect(error.message).toMatch(/the ADE tags take 3, so at most 12$/)
  })

  test('refuses a provenance that is not a boolean', () => {
    expect(failure({ ...base, provenance: 'yes' }).input).toBe('provenance')
  })
})

describe('sign-in', () => {
  test('client-id and tenant-id select OIDC with the default audience', () => {
    expect(settings({ ...base, 'client-id': GUID, 'tenant-id': 'contoso.onmicrosoft.com' }).auth).toEqual({
      kind: 'oidc',
      clientId: GUID,
      tenantId: 'contoso.onmicrosoft.com',
      audience: 'api://AzureADTokenExchange'
    })
  })

  test.each([
    [{ 'client-id': GUID }, 'tenant-id', /required with client-id/],
    [{ 'tenant-id': GUID }, 'client-id', /required with tenant-id/],
    [{ 'client-id': 'my-app', 'tenant-id': GUID }, 'client-id', /GUID/],
    [{ 'client-id': GUID, 'tenant-id': 'not a tenant' }, 'tenant-id', /tenant ID/]
  ])('refuses %j', (inputs, input, message) => {
    const error = failure({ ...base, ...inputs })
    expect(error.input).toBe(input)
    expect(error.message).toMatch(message)
  })
})

describe('key-file', () => {
  test('a .BEK file names the secret and the file after its protector ID (windows)', () => {
    const bek = buildBekFile()
    const s = settings({ ...base, 'key-file': file('startup.BEK', bek.bytes) })
    expect(s.secretNames).toEqual([bek.guid])
    expect(s.secretNamesMayExist).toBe(true)
    expect(s.keyFile?.bek?.fileName).toBe(`${bek.guid}.BEK`)
    expect(s.keyFile?.bytes.equals(bek.bytes)).toBe(true)
  })

  test("a secret-name other than the .BEK file's protector ID is warned about, escaped", () => {
    const bek = buildBekFile()
    const s = settings({ ...base, 'key-file': file('named.BEK', bek.bytes), 'secret-name': 'other-name' })
    expect(s.secretNames).toEqual(['other-name'])
    expect(inputWarnings(s)).toEqual([
      `secret-name 'other-name' differs from the BitLocker protector ID in key-file (${bek.guid}); ADE names Windows BEK secrets after that ID`
    ])
    expect(inputWarnings(settings({ ...base, 'key-file': file('same.BEK', bek.bytes) }))).toEqual([])
  })

  test('linux takes any bytes', () => {
    const s = settings({ ...base, 'os-type': 'linux', 'key-file': file('passphrase', Buffer.from('correct horse battery staple')) })
    expect(s.keyFile?.bek).toBeUndefined()
    expect(s.keyFile?.bytes.toString()).toBe('correct horse battery staple')
  })

  test.each([
    [{ 'key-file': '/nonexistent/file.BEK' }, /cannot read .*ENOENT/],
    [{ 'key-file': 'RAW' }, /not a BitLocker startup key \(\.BEK\) file: 32 bytes is too short.*os-type: linux/],
    [{ 'key-file': 'BIG', 'os-type': 'linux' }, /471 bytes; with RSA-OAEP even a 4096-bit KEK wraps 1 to 470 bytes/],
    [{ 'key-file': 'EMPTY', 'os-type': 'linux' }, /0 bytes/],
    [{ 'key-file': 'RAW', count: '2', 'os-type': 'linux' }, /cannot be combined/]
  ])('refuses %j', (inputs, message) => {
    const paths: Record<string, string> = {
      RAW: file('raw.key', Buffer.alloc(32, 1)),
      BIG: file('big', Buffer.alloc(471, 1)),
      EMPTY: file('empty', Buffer.alloc(0))
    }
    const error = failure({ ...base, ...inputs, 'key-file': paths[inputs['key-file']] ?? inputs['key-file'] })
    expect(error.input).toBe('key-file')
    expect(error.message).toMatch(message)
  })

  test('refuses key-size with key-file', () => {
    const error = failure({ ...base, 'key-size': '256', 'key-file': file('k.BEK', buildBekFile().bytes) })
    expect(error.input).toBe('key-size')
  })
})

describe('ARM inputs', () => {
  const SUB = 'AAAAAAAA-2222-3333-4444-555555555555'
  const ID = `/subscriptions/${SUB}/resourceGroups/rg-Sec/providers/Microsoft.KeyVault/vaults/my-vault`
  const arm = (inputs: Record<string, string>) => settings({ ...base, ...inputs })
  const armFailure = (inputs: Record<string, string>) => failure({ ...base, ...inputs })

  test('neither subscription-id nor a resource ID: no ARM', () => {
    expect(arm({}).arm).toBeUndefined()
  })

  test('subscription-id must be a GUID', () => {
    expect(arm({ 'subscription-id': SUB }).arm).toEqual({ subscriptionId: SUB.toLowerCase() })
    expect(armFailure({ 'subscription-id': 'my-sub' })).toMatchObject({ input: 'subscription-id' })
  })

  test('key-vault as a resource ID, matched without regard to case', () => {
    const s = arm({ 'key-vault': ID.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/') })
    expect(s.vault).toEqual({ name: 'my-vault', url: 'https://my-vault.vault.azure.net' })
    expect(s.arm?.subscriptionId).toBe(SUB.toLowerCase())
    expect(s.arm?.vaultId?.toLowerCase()).toBe(ID.toLowerCase())
  })

  test('a resource ID of something else, or of another subscription than subscription-id, is refused', () => {
    expect(
      armFailure({ 'key-vault': `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x` })
    ).toMatchObject({
      input: 'key-vault'
    })
    expect(armFailure({ 'key-vault': ID, 'subscription-id': '11111111-2222-3333-4444-555555555555' }).message).toMatch(
      /subscription-id.*key-vault is a vault in subscription aaaaaaaa-/
    )
  })

  test('location is a region name', () => {
    expect(arm({ location: 'West Europe' }).location).toBe('West Europe')
    expect(armFailure({ location: 'west/europe' })).toMatchObject({ input: 'location' })
  })
})
