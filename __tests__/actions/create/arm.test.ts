import { expect, test } from '@jest/globals'
import { errors, useWorld } from '../world.ts'

const world = useWorld()

const armRequests = () => world.azure.requests.filter((r) => r.host.startsWith('management.'))
/** What would store anything: a PUT to a vault. */
const stores = () => world.azure.requests.filter((r) => r.method === 'PUT' || r.operation === 'setSecret')
/** The checks gate every key operation: a vault ADE cannot use gets no wrap (nor unwrap) either. */
const keyOperations = () => world.azure.requests.filter((r) => /\/(un)?wrapkey$/i.test(r.path))

/** A vault ADE can use (disk encryption, purge protection), with a KEK, the data roles and Reader. */
async function adeVault(name: string, options: { cloud?: 'AzureChinaCloud' | 'AzureUSGovernment'; location?: string } = {}) {
  const { azure, objectId } = world
  azure.keyVault.createVault(name, {
    enabledForDiskEncryption: true,
    enablePurgeProtection: true,
    ...(options.cloud ? { cloud: options.cloud } : {}),
    ...(options.location ? { location: options.location } : {})
  })
  const kek = await azure.keyVault.createKey(name, 'kek', { size: 3072 })
  azure.keyVault.grant(name, objectId, 'Key Vault Crypto Service Encryption User')
  azure.keyVault.grant(name, objectId, 'Key Vault Secrets Officer')
  azure.keyVault.grant(name, objectId, 'Reader')
  const v = azure.keyVault.vault(name)
  const id = `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`
  world.azure.clearLogs()
  return { id, kek, inputs: { 'key-vault': name, 'kek-name': 'kek', 'os-type': 'linux', 'subscription-id': v.subscriptionId } }
}

test('without subscription-id: not one ARM request, no ARM outputs', async () => {
  const result = await world.run({ 'os-type': 'linux' })
  expect(errors(result)).toEqual([])
  expect(armRequests()).toEqual([])
  expect(world.azure.connects.filter((c) => c.target.startsWith('management.'))).toEqual([])
  expect(result.outputs['key-vault-id']).toBeUndefined()
  expect(result.outputs['encryption-settings']).toBeUndefined()
})

test('with subscription-id: the resource IDs and encryption-settings, exactly, from one ARM token', async () => {
  const v = await adeVault('bek-arm-ok')
  const result = await world.run(v.inputs)
  expect(errors(result)).toEqual([])
  const { outputs } = result
  expect(outputs['key-vault-id']).toBe(v.id)
  expect(outputs['kek-vault-id']).toBe(v.id)
  const expected =
    `{"diskEncryptionKey":{"secretUrl":"${outputs['secret-url']}","sourceVault":{"id":"${v.id}"}},` +
    `"keyEncryptionKey":{"keyUrl":"${v.kek.kid}","sourceVault":{"id":"${v.id}"}}}`
  expect(outputs['encryption-settings']).toBe(expected)
  expect(JSON.parse(outputs.secrets)[0]['encryption-settings']).toBe(expected)
  expect(world.azure.requests.filter((r) => r.operation === 'token').map((r) => r.host)).toHaveLength(2)
  expect(
    armRequests()
      .map((r) => r.operation)
      .sort()
  ).toEqual(['getVault', 'listResources', 'vaultPermissions'])
  expect(armRequests().every((r) => r.authenticated)).toBe(true)
  expect(keyOperations()).toHaveLength(1)
})

test('key-vault as a resource ID (any case), a KEK in another vault, and a batch whose items carry encryption-settings', async () => {
  const v = await adeVault('bek-arm-id')
  const k = await adeVault('bek-arm-kek')
  const result = await world.run({
    ...v.inputs,
    'key-vault': v.id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'),
    'subscription-id': '',
    'kek-name': '',
    'kek-url': k.kek.kid,
    count: '2'
  })
  expect(errors(result)).toEqual([])
  expect(result.outputs['key-vault-id']).toBe(v.id)
  expect(result.outputs['kek-vault-id']).toBe(k.id)
  const items = JSON.parse(result.outputs.secrets) as Array<Record<string, string>>
  expect(items).toHaveLength(2)
  for (const item of items) {
    expect(JSON.parse(item['encryption-settings']!)).toEqual({
      diskEncryptionKey: { secretUrl: item['secret-url'], sourceVault: { id: v.id } },
      keyEncryptionKey: { keyUrl: k.kek.kid, sourceVault: { id: k.id } }
    })
  }
  // The vault given by ID is read directly; only the KEK vault is looked up by name.
  expect(armRequests().filter((r) => r.operation === 'listResources')).toHaveLength(1)
})

test('ARM refuses (no Reader): fails naming Reader, nothing stored', async () => {
  const v = await adeVault('bek-arm-403')
  world.azure.keyVault.revoke('bek-arm-403', world.objectId, 'Reader')
  const result = await world.run({ ...v.inputs, 'key-vault': v.id })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([
    expect.stringMatching(/may not read the key vault 'bek-arm-403'.*AuthorizationFailed.*Reader on the vault or its resource group/)
  ])
  expect(keyOperations()).toEqual([])
  expect(stores()).toEqual([])
  expect(world.azure.keyVault.secretNames('bek-arm-403')).toEqual([])
})

test('key-vault as a resource ID in the wrong resource group, no subscription-id: one error, about that ID', async () => {
  const v = await adeVault('bek-arm-wrong-group')
  const wrong = v.id.replace(/\/resourceGroups\/[^/]+\//, '/resourceGroups/not-its-group/')
  const result = await world.run({ ...v.inputs, 'subscription-id': '', 'key-vault': wrong })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([expect.stringContaining(`finds no key vault 'bek-arm-wrong-group' at ${wrong}`)])
  expect(errors(result)[0]).toContain('az keyvault show --name bek-arm-wrong-group --query id')
  expect(errors(result)[0]).not.toContain('subscription-id')
  expect(stores()).toEqual([])
})

test('a vault name not in the subscription: fails naming the subscription searched', async () => {
  const v = await adeVault('bek-arm-elsewhere')
  const other = world.azure.keyVault.vault('bek-e2e').subscriptionId
  world.azure.keyVault.vault('bek-arm-elsewhere').subscriptionId = '11111111-2222-3333-4444-555555555555'
  const result = await world.run({ ...v.inputs, 'subscription-id': other })
  world.azure.keyVault.vault('bek-arm-elsewhere').subscriptionId = other
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([expect.stringContaining(`no key vault named 'bek-arm-elsewhere' in subscription ${other}`)])
  expect(keyOperations()).toEqual([])
  expect(stores()).toEqual([])
})

test.each([
  [
    'disk encryption off',
    'bek-arm-c0',
    (name: string) => world.azure.keyVault.updateVault(name, { enabledForDiskEncryption: false }),
    {},
    /enabledForDiskEncryption is off.*az keyvault update --name bek-arm-c0 --enabled-for-disk-encryption true/
  ],
  [
    'a vault in another region than location',
    'bek-arm-c1',
    () => undefined,
    { location: 'West Europe' },
    /bek-arm-c1 is in eastus, not in location West Europe/
  ],
  [
    'a firewall without the trusted-services bypass',
    'bek-arm-c2',
    (name: string) => world.azure.keyVault.setNetwork(name, { defaultAction: 'Deny', bypass: 'None' }),
    {},
    /bek-arm-c2: its firewall does not let trusted Microsoft services through.*az keyvault update --name bek-arm-c2 --bypass AzureServices/
  ],
  [
    'a missing set permission',
    'bek-arm-c3',
    (name: string) => world.azure.keyVault.revoke(name, world.objectId, 'Key Vault Secrets Officer'),
    {},
    /lacks Microsoft\.KeyVault\/vaults\/secrets\/setSecret\/action.*--role "Key Vault Secrets Officer"/
  ]
] as const)('check: %s fails with the fix, nothing wrapped or stored', async (_, name, breakIt, extra, message) => {
  const v = await adeVault(name)
  breakIt(name)
  world.azure.clearLogs()
  const result = await world.run({ ...v.inputs, ...extra })
  expect(result.exitCode).toBe(1)
  // The vault's firewall also stops the Key Vault requests running alongside: that is said too, before.
  expect(errors(result).filter((line) => !/ForbiddenByFirewall/.test(line))).toEqual([expect.stringMatching(message)])
  expect(errors(result).at(-1)).toMatch(message)
  expect(keyOperations()).toEqual([])
  expect(stores()).toEqual([])
  expect(world.azure.keyVault.secretNames(name)).toEqual([])
})

test('every failing check is reported, and warnings for purge protection', async () => {
  const v = await adeVault('bek-arm-many')
  world.azure.keyVault.updateVault('bek-arm-many', { enabledForDiskEncryption: false, enablePurgeProtection: false })
  world.azure.keyVault.setNetwork('bek-arm-many', { publicNetworkAccess: 'Disabled', bypass: 'None' })
  const result = await world.run(v.inputs)
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([
    expect.stringMatching(/enabledForDiskEncryption/),
    expect.stringMatching(/firewall of bek-arm-many\.vault\.azure\.net blocks this runner/),
    expect.stringMatching(/bypass AzureServices/)
  ])
  expect(result.stdout).toMatch(/::warning::bek-arm-many: purge protection is off.*--enable-purge-protection true/)
  // The summary's table lists every check, passed or not.
  const row = (check: string, outcome: string) => new RegExp(`<td>bek-arm-many</td><td>${check}</td><td>${outcome}</td>`)
  expect(result.summary).toMatch(row('disk encryption', '❌ fails'))
  expect(result.summary).toMatch(row('network', '❌ fails'))
  expect(result.summary).toMatch(row('purge protection', '⚠️ warning'))
  expect(result.summary).toMatch(row('soft delete', '✅ passed'))
  expect(result.summary).toMatch(row('permissions', '✅ passed'))
  expect(keyOperations()).toEqual([])
  expect(stores()).toEqual([])
})

test('access-policy vault: the policy for the token oid is checked', async () => {
  const name = 'bek-arm-ap'
  world.azure.keyVault.createVault(name, { authorization: 'accessPolicy', enabledForDiskEncryption: true, enablePurgeProtection: true })
  await world.azure.keyVault.createKey(name, 'kek', { size: 3072 })
  world.azure.keyVault.setAccessPolicy(name, world.objectId, { keys: ['get', 'wrapKey'], secrets: [] })
  world.azure.keyVault.grant(name, world.objectId, 'Reader')
  world.azure.clearLogs()
  const sub = world.azure.keyVault.vault(name).subscriptionId
  const result = await world.run({ 'key-vault': name, 'kek-name': 'kek', 'os-type': 'linux', 'subscription-id': sub })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([
    expect.stringContaining(
      `access policy for the signed-in identity lacks secrets set to store the secret. Fix: az keyvault set-policy --name ${name} --object-id ${world.objectId} --secret-permissions set`
    )
  ])
  // The token's claims were read, but the token is only ever masked, never printed.
  const tokens = world.azure.requests.filter((r) => r.operation === 'token').length
  expect(tokens).toBe(2)
  expect(result.stdout.split('\n').filter((line) => line.includes('eyJ') && !line.startsWith('::add-mask::'))).toEqual([])
  expect(keyOperations()).toEqual([])
  expect(stores()).toEqual([])
})

test.each([
  ['AzureChinaCloud', 'management.chinacloudapi.cn'],
  ['AzureUSGovernment', 'management.usgovcloudapi.net']
] as const)('%s: ARM at %s', async (environment, host) => {
  const v = await adeVault(`bek-arm-${environment.slice(5, 10).toLowerCase()}`, { cloud: environment })
  const result = await world.run({ ...v.inputs, environment })
  expect(errors(result)).toEqual([])
  expect(result.outputs['key-vault-id']).toBe(v.id)
  expect(new Set(armRequests().map((r) => r.host))).toEqual(new Set([host]))
})

test('the vault checks run alongside the sign-in and the KEK read; the wrap waits for them', async () => {
  const v = await adeVault('bek-arm-overlap')
  // A slow vault read makes the order certain on a loaded machine.
  world.azure.faults.add({ host: 'management.azure.com', path: /\/vaults\/bek-arm-overlap$/, delayMs: 1500 })
  const result = await world.run(v.inputs)
  expect(errors(result)).toEqual([])
  const at = (operation: string) => world.azure.requests.find((r) => r.operation === operation)!
  const lastArm = Math.max(...armRequests().map((r) => r.startMs + r.durationMs))
  expect(at('getKey').startMs).toBeLessThan(lastArm)
  expect(at('wrapKey').startMs).toBeGreaterThanOrEqual(lastArm)
  expect(at('setSecret').startMs).toBeGreaterThanOrEqual(lastArm)
  // Properties and permissions are asked for at once, once the vault is found.
  expect(at('vaultPermissions').startMs).toBeLessThan(at('getVault').startMs + at('getVault').durationMs)
})

test('if-exists: reuse of a BEK whose KEK is in another vault: its encryption-settings name that vault, kek-vault-id stays the run’s', async () => {
  const v = await adeVault('bek-arm-reuse')
  const other = await adeVault('bek-arm-kek2')
  const seeded = await world.run({ ...v.inputs, 'kek-name': '', 'kek-url': other.kek.kid, 'secret-name': 'vm-old' })
  expect(errors(seeded)).toEqual([])
  world.azure.clearLogs()
  const result = await world.run({ ...v.inputs, 'secret-name': 'vm-old\nvm-new', 'if-exists': 'reuse' })
  expect(errors(result)).toEqual([])
  expect(result.outputs['key-vault-id']).toBe(v.id)
  expect(result.outputs['kek-vault-id']).toBe(v.id)
  const items = JSON.parse(result.outputs.secrets) as Array<Record<string, string>>
  const settingsOf = (name: string) => JSON.parse(items.find((item) => item.name === name)!['encryption-settings']!)
  expect(settingsOf('vm-old').keyEncryptionKey).toEqual({ keyUrl: other.kek.kid, sourceVault: { id: other.id } })
  expect(settingsOf('vm-new').keyEncryptionKey).toEqual({ keyUrl: v.kek.kid, sourceVault: { id: v.id } })
  expect(result.stdout).toMatch(/::warning::The reused BEK vm-old is wrapped with a KEK in bek-arm-kek2, not in bek-arm-reuse/)
  // The other KEK vault is looked up once, after the BEKs: one listResources more than the run's own vault.
  expect(armRequests().filter((r) => r.operation === 'listResources')).toHaveLength(2)
  // The summary's snippets name each KEK vault by its ID.
  expect(result.summary).toContain(other.id)
})
