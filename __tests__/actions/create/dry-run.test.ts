import { expect, test } from '@jest/globals'
import { KEK, VAULT, errors, useWorld } from '../world.ts'

const world = useWorld()

const puts = () => world.azure.requests.filter((r) => r.method === 'PUT' || r.operation === 'setSecret')
const wraps = () => world.azure.requests.filter((r) => r.operation === 'wrapKey')

/** A vault ADE can use, with the data roles and Reader, and the inputs of a dry run against it through ARM. */
async function adeVault(name: string) {
  const { azure, objectId } = world
  azure.keyVault.createVault(name, { enabledForDiskEncryption: true, enablePurgeProtection: true })
  await azure.keyVault.createKey(name, 'kek', { size: 3072 })
  for (const role of ['Key Vault Crypto Service Encryption User', 'Key Vault Secrets Officer', 'Reader'] as const)
    azure.keyVault.grant(name, objectId, role)
  world.azure.clearLogs()
  const sub = azure.keyVault.vault(name).subscriptionId
  return { 'key-vault': name, 'kek-name': 'kek', 'os-type': 'linux', 'subscription-id': sub, 'dry-run': 'true' }
}

test('with ARM, a dry run that passes: every check reported, one throw-away wrap, nothing stored', async () => {
  const inputs = await adeVault('bek-dry-ok')
  const result = await world.run(inputs)
  expect(errors(result)).toEqual([])
  expect(result.exitCode).toBe(0)
  expect(puts()).toEqual([])
  expect(world.azure.keyVault.secretNames('bek-dry-ok')).toEqual([])
  expect(wraps()).toHaveLength(1)
  expect(result.stdout).toMatch(/passed: bek-dry-ok: wrapKey/)
  expect(result.stdout).toMatch(/passed: bek-dry-ok: permissions/)
  expect(result.stdout).toMatch(/all \d+ checks passed; nothing was stored/)
  expect(result.outputs['key-vault-id']).toMatch(/\/providers\/Microsoft\.KeyVault\/vaults\/bek-dry-ok$/)
  expect(result.outputs['secret-url']).toBeUndefined()
  const row = (check: string, outcome: string) => new RegExp(`<td>bek-dry-ok</td><td>${check}</td><td>${outcome}</td>`)
  expect(result.summary).toMatch(/Dry run: every check passed/)
  for (const check of ['KEK', 'wrapKey', 'disk encryption', 'network', 'region', 'permissions'])
    expect(result.summary).toMatch(row(check, '✅ passed'))
})

test('a dry run missing the set permission: exit 1, the role named, zero PUT', async () => {
  const inputs = await adeVault('bek-dry-noset')
  world.azure.keyVault.revoke('bek-dry-noset', world.objectId, 'Key Vault Secrets Officer')
  const result = await world.run(inputs)
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([
    expect.stringMatching(
      /lacks Microsoft\.KeyVault\/vaults\/secrets\/setSecret\/action.*--role "Key Vault Secrets Officer".*dry run: 1 of \d+ checks failed/
    )
  ])
  expect(puts()).toEqual([])
  expect(result.summary).toMatch(/<td>bek-dry-noset<\/td><td>permissions<\/td><td>❌ fails<\/td>/)
})

test('every failing check is reported, each once: a KEK the caller may not use and a vault without disk encryption', async () => {
  const inputs = await adeVault('bek-dry-many')
  world.azure.keyVault.revoke('bek-dry-many', world.objectId, 'Key Vault Crypto Service Encryption User')
  world.azure.keyVault.updateVault('bek-dry-many', { enabledForDiskEncryption: false })
  const result = await world.run(inputs)
  expect(result.exitCode).toBe(1)
  const found = errors(result)
  expect(found.some((line) => /bek-dry-many: enabledForDiskEncryption is off/.test(line))).toBe(true)
  expect(found.some((line) => /Key Vault Crypto Service Encryption User/.test(line))).toBe(true)
  expect(found.at(-1)).toMatch(/dry run: \d+ of \d+ checks failed; nothing was stored/)
  expect(puts()).toEqual([])
})

test('without subscription-id: only the Key Vault checks, zero ARM requests, nothing stored', async () => {
  const result = await world.run({ 'os-type': 'linux', 'dry-run': 'true', verify: 'true' })
  expect(errors(result)).toEqual([])
  expect(result.exitCode).toBe(0)
  expect(world.azure.requests.filter((r) => r.host.startsWith('management.'))).toEqual([])
  expect(world.azure.requests.filter((r) => r.host.includes('.vault.')).map((r) => r.operation)).toEqual(['getKey', 'wrapKey', 'unwrapKey'])
  expect(result.stdout).toMatch(new RegExp(`passed: ${VAULT}: unwrapKey`))
  expect(result.summary).toMatch(/vault resources \(ARM\)<\/td><td>➖ not checked/)
})

test('without subscription-id, passing and failing dry runs count the same checks: those made, not the ones left unchecked', async () => {
  const rowsIn = (summary: string) => [...summary.matchAll(/<tr><td>[^<]*<\/td><td>[^<]*<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]!)
  const pass = await world.run({ 'os-type': 'linux', 'dry-run': 'true', verify: 'true' })
  expect(pass.exitCode).toBe(0)
  const made = rowsIn(pass.summary).filter((outcome) => !outcome.includes('not checked')).length
  const unchecked = rowsIn(pass.summary).filter((outcome) => outcome.includes('not checked')).length
  expect(unchecked).toBeGreaterThan(0)
  expect(pass.stdout).toContain(`all ${made} checks passed (${unchecked} not checked without subscription-id); nothing was stored`)

  const fail = await world.run({
    'os-type': 'linux',
    'dry-run': 'true',
    verify: 'true',
    'secret-name': 'dry-count\ndry-count-2',
    'kek-name': 'no-such-kek'
  })
  expect(fail.exitCode).toBe(1)
  const failMade = rowsIn(fail.summary).filter((outcome) => !outcome.includes('not checked')).length
  const failed = rowsIn(fail.summary).filter((outcome) => outcome.includes('fails')).length
  expect(errors(fail).at(-1)).toContain(
    `dry run: ${failed} of ${failMade} checks failed (${unchecked} not checked without subscription-id); nothing was stored`
  )
})

test('given names are checked against if-exists; one that exists fails with if-exists: fail, nothing stored', async () => {
  const first = await world.run({ 'os-type': 'linux', 'secret-name': 'dry-existing' })
  expect(first.exitCode).toBe(0)
  world.azure.clearLogs()
  const result = await world.run({ 'os-type': 'linux', 'dry-run': 'true', 'secret-name': 'dry-existing\ndry-new' })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([
    expect.stringMatching(/Secret 'dry-existing' already exists in bek-e2e.*if-exists: reuse.*dry run: 1 of/)
  ])
  expect(result.stdout).toMatch(/passed: bek-e2e: secret dry-new \(if-exists: fail\) \(does not exist yet/)
  expect(puts()).toEqual([])
  expect(world.versions('dry-existing')).toHaveLength(1)
  expect(world.versions('dry-new')).toHaveLength(0)

  const reuse = await world.run({ 'os-type': 'linux', 'dry-run': 'true', 'secret-name': 'dry-existing', 'if-exists': 'reuse' })
  expect(errors(reuse)).toEqual([])
  expect(reuse.stdout).toMatch(/exists; it would be reused/)
})

test('a KEK that cannot wrap fails the dry run naming the KEK', async () => {
  const result = await world.run({ 'os-type': 'linux', 'dry-run': 'true', 'kek-name': 'no-such-kek' })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([expect.stringMatching(/no-such-kek/)])
  expect(puts()).toEqual([])
  expect(KEK).toBe('disk-kek')
})
