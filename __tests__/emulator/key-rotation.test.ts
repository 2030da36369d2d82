// Key rotation, key-version updates and the list permissions, as the inventory and rewrap meet
// them: answers checked against the REST spec's schemas, and paged like Key Vault pages.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { validate } from './json-schema.ts'
import { setup, type Fixture } from './helpers.ts'

const SPEC_DIR = fileURLToPath(new URL('../../emulator/spec/keyvault-2026-04-01/', import.meta.url))
const keysSpec = JSON.parse(readFileSync(`${SPEC_DIR}keys.json`, 'utf8')) as Record<string, any>
const secretsSpec = JSON.parse(readFileSync(`${SPEC_DIR}secrets.json`, 'utf8')) as Record<string, any>
const schemaOf = (spec: Record<string, any>, path: string, method: string) => spec['paths'][path][method]['responses']['200']['schema']

let f: Fixture
beforeAll(async () => {
  f = await setup({}, 'kv-rotate')
  f.az.keyVault.grant('kv-rotate', f.objectId, 'Key Vault Crypto Officer')
})
afterAll(async () => {
  await f.close()
})

describe('key rotation', () => {
  test('rotate makes a new current version like the old one; the old one stays readable', async () => {
    const before = await f.kv('GET', '/keys/kek')
    const rotated = await f.kv('POST', '/keys/kek/rotate')
    expect(rotated.status).toBe(200)
    expect(validate(rotated.json, schemaOf(keysSpec, '/keys/{key-name}/rotate', 'post'), keysSpec)).toEqual([])
    const oldKid = before.json.key.kid as string
    const newKid = rotated.json.key.kid as string
    expect(newKid).toMatch(/^https:\/\/kv-rotate\.vault\.azure\.net\/keys\/kek\/[0-9a-f]{32}$/)
    expect(newKid).not.toBe(oldKid)
    expect(rotated.json.key.kty).toBe(before.json.key.kty)
    expect(rotated.json.key.key_ops).toEqual(before.json.key.key_ops)
    expect(Buffer.from(rotated.json.key.n, 'base64url')).toHaveLength(256)
    expect((await f.kv('GET', '/keys/kek')).json.key.kid).toBe(newKid)
    expect((await f.kv('GET', `/keys/kek/${oldKid.split('/').pop()}`)).json.key.kid).toBe(oldKid)
  })

  test('key versions page with maxresults and nextLink', async () => {
    const first = await f.kv('GET', '/keys/kek/versions?maxresults=1')
    expect(first.status).toBe(200)
    expect(validate(first.json, schemaOf(keysSpec, '/keys/{key-name}/versions', 'get'), keysSpec)).toEqual([])
    expect(first.json.value).toHaveLength(1)
    expect(first.json.nextLink).toMatch(/^https:\/\/kv-rotate\.vault\.azure\.net:443\/keys\/kek\/versions\?api-version=.*\$skiptoken=/)
    const second = await f.http.request('GET', first.json.nextLink, { headers: { authorization: `Bearer ${await f.vaultToken()}` } })
    expect(second.json.value).toHaveLength(1)
    expect(second.json.nextLink).toBeNull()
    expect(second.json.value[0].kid).not.toBe(first.json.value[0].kid)
  })

  test('rotating a key that does not exist is a KeyNotFound', async () => {
    const res = await f.kv('POST', '/keys/no-such-key/rotate')
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('KeyNotFound')
  })
})

describe('updating a key version', () => {
  test('disabling one version stops wraps with it and leaves the others working', async () => {
    const versions = (await f.kv('GET', '/keys/kek/versions')).json.value as Array<{ kid: string }>
    const old = versions[0]!.kid.split('/').pop()!
    const res = await f.kv('PATCH', `/keys/kek/${old}`, { body: { attributes: { enabled: false } } })
    expect(res.status).toBe(200)
    expect(validate(res.json, schemaOf(keysSpec, '/keys/{key-name}/{key-version}', 'patch'), keysSpec)).toEqual([])
    expect(res.json.attributes.enabled).toBe(false)
    const value = Buffer.alloc(32, 1).toString('base64url')
    const refused = await f.kv('POST', `/keys/kek/${old}/wrapkey`, { body: { alg: 'RSA-OAEP', value } })
    expect(refused.status).toBe(403)
    expect(refused.json.error.message).toContain('disabled')
    expect((await f.kv('POST', '/keys/kek/wrapkey', { body: { alg: 'RSA-OAEP', value } })).status).toBe(200)
    expect((await f.kv('GET', `/keys/kek/${old}`)).json.attributes.enabled).toBe(false)

    const back = await f.kv('PATCH', `/keys/kek/${old}`, { body: { attributes: { enabled: true }, tags: { rotated: 'yes' } } })
    expect(back.json.attributes.enabled).toBe(true)
    expect(back.json.tags).toEqual({ rotated: 'yes' })
  })

  test('a malformed update is a BadParameter', async () => {
    const res = await f.kv('PATCH', '/keys/kek', { body: { attributes: { enabled: 'no' } } })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('BadParameter')
  })
})

describe('permissions', () => {
  const app = async (): Promise<{ objectId: string; token: string }> => {
    const registered = f.az.entra.registerApp({
      federatedCredentials: [
        { issuer: f.az.github.issuer, subject: 'repo:contoso/infra:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }
      ]
    })
    return { objectId: registered.objectId, token: await f.vaultToken(registered.clientId) }
  }

  test('RBAC: Crypto Service Encryption User may read versions but not rotate or update; Secrets User may list secrets', async () => {
    const { objectId, token } = await app()
    f.az.keyVault.grant('kv-rotate', objectId, 'Key Vault Crypto Service Encryption User')
    expect((await f.kv('GET', '/keys/kek/versions', { token })).status).toBe(200)
    const rotate = await f.kv('POST', '/keys/kek/rotate', { token })
    expect(rotate.status).toBe(403)
    expect(rotate.json.error.innererror).toEqual({ code: 'ForbiddenByRbac' })
    expect(rotate.json.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/rotate/action'")
    const update = await f.kv('PATCH', '/keys/kek', { token, body: { attributes: { enabled: false } } })
    expect(update.status).toBe(403)
    expect(update.json.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/update/action'")
    expect((await f.kv('GET', '/secrets', { token })).status).toBe(403)

    f.az.keyVault.grant('kv-rotate', objectId, 'Key Vault Secrets User')
    const list = await f.kv('GET', '/secrets', { token })
    expect(list.status).toBe(200)
    expect(validate(list.json, schemaOf(secretsSpec, '/secrets', 'get'), secretsSpec)).toEqual([])
  })

  test('access policies: list, rotate and update are separate permissions', async () => {
    f.az.keyVault.createVault('kv-policies', { authorization: 'accessPolicy' })
    await f.az.keyVault.createKey('kv-policies', 'kek', { size: 2048 })
    const vaultUrl = f.az.keyVault.vaultUrl('kv-policies')
    const { objectId, token } = await app()
    f.az.keyVault.setAccessPolicy('kv-policies', objectId, { keys: ['get'], secrets: ['get'] })
    const versions = await f.kv('GET', '/keys/kek/versions', { token, vaultUrl })
    expect(versions.status).toBe(403)
    expect(versions.json.error.message).toContain('does not have keys list permission')
    expect((await f.kv('GET', '/secrets', { token, vaultUrl })).json.error.message).toContain('does not have secrets list permission')
    expect((await f.kv('POST', '/keys/kek/rotate', { token, vaultUrl })).json.error.message).toContain(
      'does not have keys rotate permission'
    )

    f.az.keyVault.setAccessPolicy('kv-policies', objectId, { keys: ['get', 'list', 'rotate', 'update'], secrets: ['list'] })
    expect((await f.kv('GET', '/keys/kek/versions', { token, vaultUrl })).status).toBe(200)
    expect((await f.kv('GET', '/secrets', { token, vaultUrl })).status).toBe(200)
    expect((await f.kv('POST', '/keys/kek/rotate', { token, vaultUrl })).status).toBe(200)
    expect((await f.kv('PATCH', '/keys/kek', { token, vaultUrl, body: { attributes: { enabled: true } } })).status).toBe(200)
  })
})
