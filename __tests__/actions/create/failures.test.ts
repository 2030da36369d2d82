import { afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KEK, SUBJECT, VAULT, useWorld, errors, operations } from '../world.ts'
import { MAX_THROTTLED_RETRIES } from '../../../src/keyvault/retry.ts'

const world = useWorld()

const THROTTLED = {
  error: {
    code: 'Throttled',
    message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached'
  }
}

describe('bad inputs fail before any request, with one error naming the input', () => {
  const rawKey = join(mkdtempSync(join(tmpdir(), 'raw-')), 'raw.key')
  writeFileSync(rawKey, Buffer.alloc(32, 9))
  test.each<[string, Record<string, string>, RegExp]>([
    ['a missing vault', { 'key-vault': '' }, /^::error::Input 'key-vault': is required/],
    [
      'a foreign host',
      { 'key-vault': 'https://bek-e2e.vault.azure.net.attacker.example/' },
      /^::error::Input 'key-vault': .*not a Key Vault host/
    ],
    [
      'a Managed HSM KEK',
      { 'kek-name': '', 'kek-url': 'https://hsm.managedhsm.azure.net/keys/k' },
      /^::error::Input 'kek-url': .*Managed HSM/
    ],
    ['an unknown algorithm', { algorithm: 'RSA-OAEP-384' }, /^::error::Input 'algorithm': 'RSA-OAEP-384' is not allowed/],
    ['client-id without tenant-id', { 'tenant-id': '' }, /^::error::Input 'tenant-id': is required with client-id/],
    ['an ADE tag in tags', { tags: 'DiskEncryptionKeyEncryptionKeyURL=https://x' }, /^::error::Input 'tags': .*cannot be overridden/],
    ['a raw key as a Windows key file', { 'key-file': rawKey }, /^::error::Input 'key-file': .*not a BitLocker startup key/],
    ['a bad if-exists', { 'if-exists': 'overwrite' }, /^::error::Input 'if-exists'/],
    ['a bad count', { count: 'many' }, /^::error::Input 'count'/],
    ['a bad max-parallel', { 'max-parallel': '0' }, /^::error::Input 'max-parallel'/],
    ['a bad kek-name', { 'kek-name': 'disk kek' }, /^::error::Input 'kek-name'/],
    ['a bad kek-version', { 'kek-version': 'current' }, /^::error::Input 'kek-version'/],
    [
      'a kek-url with a path of a secret',
      { 'kek-name': '', 'kek-url': 'https://bek-e2e.vault.azure.net/secrets/x' },
      /^::error::Input 'kek-url'/
    ],
    ['a bad secret-name', { 'secret-name': 'vm_1' }, /^::error::Input 'secret-name'/],
    ['a bad key-size', { 'key-size': '512' }, /^::error::Input 'key-size'/],
    ['a missing key-file', { 'key-file': '/nonexistent.BEK' }, /^::error::Input 'key-file': cannot read/],
    ['a bad os-type', { 'os-type': 'freebsd' }, /^::error::Input 'os-type'/],
    ['a bad verify', { verify: 'yes' }, /^::error::Input 'verify'/],
    ['a bad client-id', { 'client-id': 'my-app' }, /^::error::Input 'client-id'/],
    ['a bad tenant-id', { 'tenant-id': 'not a tenant' }, /^::error::Input 'tenant-id'/],
    ['an unknown environment', { environment: 'AzureStack' }, /^::error::Input 'environment'/],
    ['a malformed tag', { tags: 'no-equals-sign' }, /^::error::Input 'tags'/]
  ])('%s', async (_, inputs, message) => {
    const result = await world.run(inputs)
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(message)])
    expect(world.azure.requests).toEqual([])
    expect(world.azure.connects).toEqual([])
  })
})

describe('the KEK is checked before anything is stored', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['disabled', { enabled: false }, /is disabled/],
    ['expired', { exp: new Date(Date.now() - 86_400_000) }, /expired on/],
    ['not yet valid', { nbf: new Date(Date.now() + 86_400_000) }, /not valid before/],
    ['an EC key', { kty: 'EC' }, /is a EC key; Azure Disk Encryption needs an RSA or RSA-HSM key/],
    ['without wrapKey', { keyOps: ['unwrapKey', 'encrypt', 'decrypt'] }, /does not allow wrapKey/],
    ['without unwrapKey', { keyOps: ['wrapKey', 'encrypt'] }, /does not allow unwrapKey .*unwraps it at every boot/]
  ]
  test.each(cases)('%s', async (name, options, message) => {
    const key = `kek-${name.replace(/\W+/g, '-')}`
    await world.azure.keyVault.createKey(VAULT, key, options)
    const result = await world.run({ 'kek-name': key, 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(message)])
    expect(operations(world.azure)).not.toContain('setSecret')
    expect(
      world.azure.keyVault
        .secretNames(VAULT)
        .filter((n) => world.versions(n).some((v) => v.tags?.DiskEncryptionKeyEncryptionKeyURL?.includes(`/${key}/`)))
    ).toEqual([])
  })

  test('a missing KEK', async () => {
    const result = await world.run({ 'kek-name': 'no-such-kek' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(/KEK was not found: https:\/\/bek-e2e\.vault\.azure\.net\/keys\/no-such-kek\. Check kek-name/)
    ])
  })

  test('an RSA-2048 KEK with windows works but warns', async () => {
    await world.azure.keyVault.createKey(VAULT, 'kek-2048', { size: 2048 })
    const result = await world.run({ 'kek-name': 'kek-2048' })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/::warning::The KEK is RSA-2048: Windows Server 2022 and Windows 11 need a 3072- or 4096-bit KEK/)
    expect(result.summary).toContain('RSA-2048')
  })

  test('a key file too large for the KEK', async () => {
    await world.azure.keyVault.createKey(VAULT, 'kek-small', { size: 2048 })
    const path = join(mkdtempSync(join(tmpdir(), 'big-')), 'big')
    writeFileSync(path, Buffer.alloc(300, 1))
    const result = await world.run({ 'kek-name': 'kek-small', 'key-file': path, 'os-type': 'linux', 'secret-name': 'too-big' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(/Input 'key-file': 300 bytes do not fit: RSA-OAEP with the RSA-2048 KEK wraps at most 214 bytes/)
    ])
    expect(world.versions('too-big')).toEqual([])
  })
})

describe('missing permissions name the role and the access-policy permission', () => {
  async function identity(grant: (objectId: string) => void): Promise<Record<string, string>> {
    const app = world.azure.entra.registerApp({
      federatedCredentials: [{ issuer: world.azure.github.issuer, subject: SUBJECT, audiences: ['api://AzureADTokenExchange'] }]
    })
    grant(app.objectId)
    return { 'client-id': app.clientId }
  }

  test('RBAC: no crypto role → reading the KEK is refused', async () => {
    const inputs = await identity((oid) => world.azure.keyVault.grant(VAULT, oid, 'Key Vault Secrets Officer'))
    const result = await world.run(inputs)
    expect(errors(result)).toEqual([
      expect.stringMatching(/may not read the KEK .*'Key Vault Crypto Service Encryption User'.*'keys: get'/)
    ])
  })

  test('RBAC: no secrets role → storing the secret is refused', async () => {
    const inputs = await identity((oid) => world.azure.keyVault.grant(VAULT, oid, 'Key Vault Crypto Service Encryption User'))
    const result = await world.run(inputs)
    expect(errors(result)).toEqual([expect.stringMatching(/may not store the secret .*'Key Vault Secrets Officer'.*'secrets: set'/)])
  })

  test('RBAC: a given name needs secrets get to be checked', async () => {
    const inputs = await identity((oid) => world.azure.keyVault.grant(VAULT, oid, 'Key Vault Crypto Service Encryption User'))
    const result = await world.run({ ...inputs, 'secret-name': 'vm-check' })
    expect(errors(result)).toEqual([expect.stringMatching(/may not read the secret .*'secrets: get'/)])
  })

  describe('access policies', () => {
    beforeAll(async () => {
      world.azure.keyVault.createVault('bek-policies', { authorization: 'accessPolicy' })
      await world.azure.keyVault.createKey('bek-policies', KEK, { size: 3072 })
    })
    test.each<[string, { keys: string[]; secrets: string[] }, Record<string, string>, RegExp]>([
      ['keys get', { keys: ['wrapKey', 'unwrapKey'], secrets: ['get', 'set'] }, {}, /may not read the KEK .*'keys: get'/],
      ['keys wrapKey', { keys: ['get', 'unwrapKey'], secrets: ['get', 'set'] }, {}, /may not wrap the key with the KEK .*'keys: wrapKey'/],
      [
        'keys unwrapKey (verify)',
        { keys: ['get', 'wrapKey'], secrets: ['get', 'set'] },
        { verify: 'true' },
        /may not unwrap the stored value \(verify\) .*'keys: unwrapKey'/
      ],
      ['secrets set', { keys: ['get', 'wrapKey', 'unwrapKey'], secrets: ['get'] }, {}, /may not store the secret .*'secrets: set'/]
    ])('without %s', async (_, policy, extra, message) => {
      const inputs = await identity((oid) => world.azure.keyVault.setAccessPolicy('bek-policies', oid, policy))
      const result = await world.run({ ...inputs, 'key-vault': 'bek-policies', 'os-type': 'linux', ...extra })
      expect(result.exitCode).toBe(1)
      expect(errors(result)).toEqual([expect.stringMatching(message)])
    })
  })

  test('a role granted a moment ago: the error says assignments take minutes to apply', async () => {
    const inputs = await identity((oid) => {
      world.azure.keyVault.grant(VAULT, oid, 'Key Vault Crypto Service Encryption User', { propagationDelayMs: 60_000 })
      world.azure.keyVault.grant(VAULT, oid, 'Key Vault Secrets Officer')
    })
    const result = await world.run(inputs)
    expect(errors(result)).toEqual([expect.stringMatching(/Role assignments can take a few minutes to apply/)])
  })

  test('the vault firewall', async () => {
    world.azure.keyVault.createVault('bek-firewalled')
    world.azure.keyVault.setFirewall('bek-firewalled', { denyPublic: true })
    const result = await world.run({
      'key-vault': 'bek-firewalled',
      'kek-name': '',
      'kek-url': `https://${VAULT}.vault.azure.net/keys/${KEK}`
    })
    expect(errors(result)).toEqual([expect.stringMatching(/firewall of bek-firewalled\.vault\.azure\.net blocks this runner/)])
  })

  test('an Azure Policy that denies secrets without expiry', async () => {
    world.azure.keyVault.addPolicy(VAULT, 'secretsRequireExpiry')
    try {
      const result = await world.run({ 'os-type': 'linux' })
      expect(errors(result)).toEqual([expect.stringMatching(/An Azure Policy assignment denied the request to store the secret/)])
    } finally {
      world.azure.keyVault.removePolicy(VAULT, 'secretsRequireExpiry')
    }
  })
})

describe('transient failures are retried by the pipeline, and a BEK is stored once', () => {
  test.each<[string, Record<string, unknown>]>([
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '1' }, body: THROTTLED }],
    ['503', { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'The service is unavailable.' } } }],
    ['a connection reset', { reset: true }]
  ])('%s on the secret PUT', async (_, fault) => {
    world.azure.faults.add({ host: `${VAULT}.vault.azure.net`, method: 'PUT', path: /\/secrets\//, times: 1, ...fault })
    const result = await world.run({ 'os-type': 'linux' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    const name = result.outputs['secret-name']
    expect(world.versions(name)).toHaveLength(1)
    expect(
      world.azure.requests.filter((r) => r.operation === 'setSecret' || (r.method === 'PUT' && r.path.includes('/secrets/'))).length
    ).toBeGreaterThanOrEqual(fault.reset ? 1 : 2)
  })

  test('429 on wrapkey, then success: one key wrapped once', async () => {
    world.azure.faults.add({
      host: `${VAULT}.vault.azure.net`,
      method: 'POST',
      path: /wrapkey$/,
      times: 1,
      status: 429,
      headers: { 'retry-after': '1' },
      body: THROTTLED
    })
    const result = await world.run({ 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    expect(world.azure.requests.filter((r) => r.operation === 'wrapKey' && r.status === 200)).toHaveLength(1)
  })

  const throttlePuts = (times: number): void =>
    world.azure.faults.add({
      host: `${VAULT}.vault.azure.net`,
      method: 'PUT',
      path: /\/secrets\//,
      times,
      status: 429,
      headers: { 'retry-after': '0' },
      body: THROTTLED
    })

  test('retries are bounded: a vault that keeps throttling ends the step with advice', async () => {
    throttlePuts(MAX_THROTTLED_RETRIES + 5)
    const result = await world.run({ 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/kept throttling .*max-parallel/)])
    expect(world.azure.requests.filter((r) => r.method === 'PUT').length).toBe(1 + MAX_THROTTLED_RETRIES)
  })

  test('a vault shared with other clients may throttle one store several times running: it is waited out and stored once', async () => {
    throttlePuts(6)
    const result = await world.run({ 'os-type': 'linux' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(world.azure.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([...Array(6).fill(429), 200])
  })
})

describe('sign-in', () => {
  afterEach(() => world.azure.github.setClaims({ sub: SUBJECT }))

  test.each([
    ['an environment subject', 'repo:contoso/infra:environment:production', 'AADSTS700213'],
    ['a subject differing only in case', 'repo:Contoso/infra:ref:refs/heads/main', 'AADSTS7002138']
  ])('%s not registered: the error shows the token claims and the formats to register', async (_, sub, code) => {
    world.azure.github.setClaims({ sub })
    const result = await world.run()
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toContain(code)
    expect(error).toContain(`subject '${sub}'`)
    expect(error).toContain("issuer 'https://token.actions.githubusercontent.com'")
    expect(error).toContain("audience 'api://AzureADTokenExchange'")
    expect(error).toContain('repo:<owner>/<repo>:environment:<environment>')
    expect(operations(world.azure)).toEqual([])
  })

  test('a wrong audience: AADSTS70021', async () => {
    const result = await world.run({ audience: 'api://SomethingElse' })
    expect(errors(result)).toEqual([expect.stringMatching(/AADSTS70021.*audience 'api:\/\/SomethingElse'/)])
  })

  test('an unknown client id', async () => {
    const result = await world.run({ 'client-id': '00000000-1111-2222-3333-444444444444' })
    expect(errors(result)).toEqual([expect.stringMatching(/no application '00000000-1111-2222-3333-444444444444' in tenant/)])
  })

  test('no id-token permission: says to add it, and asks nobody for anything', async () => {
    const result = await world.run({}, { env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' } })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/add `permissions: id-token: write`.*forks/)])
    expect(world.azure.requests).toEqual([])
  })

  test('without client-id and tenant-id, the Azure credential chain is used (AZURE_* variables here)', async () => {
    const token = world.azure.github.mint()
    const dir = mkdtempSync(join(tmpdir(), 'wi-'))
    writeFileSync(join(dir, 'token'), token)
    const result = await world.run(
      { 'client-id': '', 'tenant-id': '', 'os-type': 'linux' },
      { env: { AZURE_CLIENT_ID: world.clientId, AZURE_TENANT_ID: world.tenantId, AZURE_FEDERATED_TOKEN_FILE: join(dir, 'token') } }
    )
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(world.azure.requests.filter((r) => r.operation === 'idToken')).toEqual([])
  })
})

test('a KEK failure is reported when the BEK first checks its secret name', async () => {
  const result = await world.run({ 'kek-name': 'no-such-kek', 'secret-name': 'vm-named' })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([expect.stringMatching(/KEK was not found/)])
  expect(result.stderr).toBe('')
})
