// Vault tiers (issue 22's create-kek): a standard vault refuses to create or import an HSM key,
// as the service does, and a premium one holds it; Resource Manager shows each vault's tier.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import { setup, type Fixture } from './helpers.ts'

let f: Fixture
let premiumUrl = ''
beforeAll(async () => {
  f = await setup({}, 'kv-standard')
  f.az.keyVault.grant(f.vault, f.objectId, 'Key Vault Crypto Officer')
  premiumUrl = f.az.keyVault.createVault('kv-premium', { sku: 'premium' }).url
  f.az.keyVault.grant('kv-premium', f.objectId, 'Key Vault Crypto Officer')
})
afterAll(async () => {
  await f.close()
})

const create = { kty: 'RSA-HSM', key_size: 3072, key_ops: ['wrapKey', 'unwrapKey'] }

test('a standard vault refuses RSA-HSM create and HSM import, and keeps software keys', async () => {
  const refused = await f.kv('POST', '/keys/hsm/create', { body: create })
  expect(refused.status).toBe(400)
  expect(refused.json.error).toEqual({ code: 'BadParameter', message: 'Hardware key operation not allowed on standard vault' })
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
  const imported = await f.kv('PUT', '/keys/hsm', { body: { key: { ...jwk, kty: 'RSA' }, Hsm: true } })
  expect(imported.status).toBe(400)
  expect(f.az.keyVault.getKey(f.vault, 'hsm')).toBeUndefined()
  expect((await f.kv('POST', '/keys/soft/create', { body: { ...create, kty: 'RSA' } })).status).toBe(200)
})

test('a premium vault creates RSA-HSM keys', async () => {
  const made = await f.kv('POST', '/keys/hsm/create', { body: create, vaultUrl: premiumUrl })
  expect(made.status).toBe(200)
  expect(made.json.key.kty).toBe('RSA-HSM')
  expect(Buffer.from(made.json.key.n, 'base64url')).toHaveLength(384)
})
