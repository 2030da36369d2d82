// The Key Vault stand-in's backup and restore: an opaque blob that restores every version under
// the same IDs, only in a vault of the same subscription and geography; a name in use (active or
// soft-deleted) refuses it; and the soft-delete life cycle of keys that blocks a restore.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { setup, type Fixture } from './helpers.ts'

let f: Fixture
beforeAll(async () => {
  f = await setup({}, 'kv-source')
  f.az.keyVault.grant('kv-source', f.objectId, 'Key Vault Administrator')
  for (const [name, options] of [
    ['kv-same-geo', { location: 'westus2' }],
    ['kv-other-geo', { location: 'westeurope' }],
    ['kv-other-sub', { subscriptionId: randomUUID() }]
  ] as const) {
    f.az.keyVault.createVault(name, options)
    f.az.keyVault.grant(name, f.objectId, 'Key Vault Administrator')
  }
})
afterAll(async () => {
  await f.close()
})

const restore = (vault: string, kind: 'keys' | 'secrets', value: unknown) =>
  f.kv('POST', `/${kind}/restore`, { vaultUrl: f.az.keyVault.vaultUrl(vault), body: { value } })

describe('keys', () => {
  test('a backup restores every version, with its IDs, into a vault of the same subscription and geography', async () => {
    const first = await f.az.keyVault.createKey('kv-source', 'kek-a')
    await f.az.keyVault.createKey('kv-source', 'kek-a')
    const backup = await f.kv('POST', '/keys/kek-a/backup')
    expect(backup.status).toBe(200)
    expect(backup.json.value).toMatch(/^[A-Za-z0-9_-]+$/)
    const res = await restore('kv-same-geo', 'keys', backup.json.value)
    expect(res.status).toBe(200)
    expect(res.json.key.kid).toMatch(/^https:\/\/kv-same-geo\.vault\.azure\.net\/keys\/kek-a\/[0-9a-f]{32}$/)
    const old = await f.kv('GET', `/keys/kek-a/${first.version}`, { vaultUrl: f.az.keyVault.vaultUrl('kv-same-geo') })
    expect(old.status).toBe(200)
    expect(old.json.key.n).toBe((await f.kv('GET', `/keys/kek-a/${first.version}`)).json.key.n)
  })

  test('another geography or subscription: "Cannot decrypt backup blob."', async () => {
    await f.az.keyVault.createKey('kv-source', 'kek-b')
    const blob = f.az.keyVault.backup('kv-source', 'key', 'kek-b')
    for (const vault of ['kv-other-geo', 'kv-other-sub']) {
      const res = await restore(vault, 'keys', blob)
      expect(res.status).toBe(400)
      expect(res.json.error).toEqual({ code: 'BadParameter', message: 'Cannot decrypt backup blob.' })
    }
  })

  test('a name that exists: 409; a soft-deleted one: 409 ObjectIsDeletedButRecoverable until purged', async () => {
    await f.az.keyVault.createKey('kv-source', 'kek-c')
    const blob = f.az.keyVault.backup('kv-source', 'key', 'kek-c')
    expect((await restore('kv-source', 'keys', blob)).status).toBe(409)
    const deleted = await f.kv('DELETE', '/keys/kek-c')
    expect(deleted.json.recoveryId).toMatch(/\/deletedkeys\/kek-c$/)
    expect((await f.kv('GET', '/keys/kek-c')).status).toBe(404)
    const blocked = await restore('kv-source', 'keys', blob)
    expect(blocked.status).toBe(409)
    expect(blocked.json.error.innererror.code).toBe('ObjectIsDeletedButRecoverable')
    expect((await f.kv('GET', '/deletedkeys/kek-c')).status).toBe(200)
    expect((await f.kv('DELETE', '/deletedkeys/kek-c')).status).toBe(204)
    expect((await restore('kv-source', 'keys', blob)).status).toBe(200)
  })

  test('a soft-deleted key recovers with its versions', async () => {
    const { version } = await f.az.keyVault.createKey('kv-source', 'kek-d')
    f.az.keyVault.deleteKey('kv-source', 'kek-d')
    expect((await f.kv('POST', '/keys/kek-d/create', { body: { kty: 'RSA' } })).status).toBe(409)
    expect((await f.kv('POST', '/deletedkeys/kek-d/recover')).status).toBe(200)
    expect((await f.kv('GET', `/keys/kek-d/${version}`)).status).toBe(200)
  })

  test('bytes that are not a backup, standard base64, a secret backup: refused', async () => {
    await f.az.keyVault.createKey('kv-source', 'kek-e')
    const blob = f.az.keyVault.backup('kv-source', 'key', 'kek-e')
    const standard = Buffer.from(blob, 'base64url').toString('base64')
    expect((await restore('kv-same-geo', 'keys', standard)).status).toBe(400)
    expect((await restore('kv-same-geo', 'keys', Buffer.from('not a backup').toString('base64url'))).json.error.message).toBe(
      'Cannot decrypt backup blob.'
    )
    f.az.keyVault.setSecret('kv-source', 's-e', { value: 'x' })
    expect((await restore('kv-same-geo', 'keys', f.az.keyVault.backup('kv-source', 'secret', 's-e'))).status).toBe(400)
    expect((await restore('kv-same-geo', 'keys', 42)).status).toBe(400)
  })

  test('restore needs keys/restore/action: the encryption user role is refused', async () => {
    const blob = f.az.keyVault.backup('kv-source', 'key', 'kek-e')
    const res = await f.kv('POST', '/keys/restore', { body: { value: blob }, vaultUrl: f.vaultUrl, token: await f.vaultToken() })
    f.az.keyVault.revoke('kv-source', f.objectId, 'Key Vault Administrator')
    const denied = await f.kv('POST', '/keys/restore', { body: { value: blob } })
    f.az.keyVault.grant('kv-source', f.objectId, 'Key Vault Administrator')
    expect(res.status).toBe(409)
    expect(denied.status).toBe(403)
    expect(denied.json.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/restore/action'")
  })
})

describe('secrets', () => {
  test('a backup restores every version, tags and content type, answered without the value', async () => {
    const one = f.az.keyVault.setSecret('kv-source', 'bek-a', { value: 'v1', contentType: 'Wrapped BEK', tags: { a: 'b' } })
    f.az.keyVault.setSecret('kv-source', 'bek-a', { value: 'v2', contentType: 'Wrapped BEK' })
    const backup = await f.kv('POST', '/secrets/bek-a/backup')
    expect(backup.status).toBe(200)
    const res = await restore('kv-same-geo', 'secrets', backup.json.value)
    expect(res.status).toBe(200)
    expect(res.json.value).toBeUndefined()
    expect(res.json.contentType).toBe('Wrapped BEK')
    const versions = f.az.keyVault.getSecretVersions('kv-same-geo', 'bek-a')
    expect(versions.map((v) => v['value'])).toEqual(['v1', 'v2'])
    expect(versions[0]!['id']).toBe(`https://kv-same-geo.vault.azure.net/secrets/bek-a/${one.version}`)
    expect(versions[0]!['tags']).toEqual({ a: 'b' })
  })

  test('another geography: refused; a soft-deleted name: 409 ObjectIsDeletedButRecoverable', async () => {
    f.az.keyVault.setSecret('kv-source', 'bek-b', { value: 'v' })
    const blob = f.az.keyVault.backup('kv-source', 'secret', 'bek-b')
    expect((await restore('kv-other-geo', 'secrets', blob)).json.error.message).toBe('Cannot decrypt backup blob.')
    f.az.keyVault.deleteSecret('kv-source', 'bek-b')
    const res = await restore('kv-source', 'secrets', blob)
    expect(res.status).toBe(409)
    expect(res.json.error.innererror.code).toBe('ObjectIsDeletedButRecoverable')
  })
})
