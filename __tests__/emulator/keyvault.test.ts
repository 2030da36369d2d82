import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { constants, privateDecrypt, randomBytes } from 'node:crypto'
import { setup, type Fixture } from './helpers.ts'

let f: Fixture
beforeAll(async () => {
  f = await setup({}, 'kv-main')
})
afterAll(async () => {
  await f.close()
})

const wrap = (body: unknown, path = '/keys/kek/wrapkey', token?: string) => f.kv('POST', path, { body, ...(token ? { token } : {}) })
const aes = () => randomBytes(32).toString('base64url')

function expectKvError(res: { status: number; json: any; headers: Record<string, unknown> }, status: number, code: string, inner?: string) {
  expect(res.status).toBe(status)
  expect(res.json.error.code).toBe(code)
  expect(typeof res.json.error.message).toBe('string')
  if (inner) expect(res.json.error.innererror).toEqual({ code: inner })
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
  expect(res.headers['x-ms-request-id']).toBeTruthy()
  expect(res.headers['x-ms-keyvault-service-version']).toBeTruthy()
  expect(res.headers['x-ms-keyvault-region']).toBe('eastus')
}

async function newApp(): Promise<{ clientId: string; objectId: string; token: string }> {
  const app = f.az.entra.registerApp({
    federatedCredentials: [
      { issuer: f.az.github.issuer, subject: 'repo:contoso/infra:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }
    ]
  })
  return { ...app, token: await f.vaultToken(app.clientId) }
}

describe('authentication', () => {
  test('401 challenge names the tenant and the vault resource; body-less first request accepted', async () => {
    const res = await f.kv('POST', '/keys/kek/wrapkey', { token: null })
    expectKvError(res, 401, 'Unauthorized')
    expect(res.json.error.message).toBe('AKV10000: Request is missing a Bearer or PoP token.')
    expect(res.headers['www-authenticate']).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${f.az.entra.tenantId}", resource="https://vault.azure.net"`
    )
  })

  test('sovereign vaults challenge with their own authority and resource', async () => {
    f.az.keyVault.createVault('kv-china', { cloud: 'AzureChinaCloud' })
    f.az.keyVault.createVault('kv-gov', { cloud: 'AzureUSGovernment' })
    const cn = await f.http.request('GET', 'https://kv-china.vault.azure.cn/secrets/x?api-version=7.6')
    expect(cn.headers['www-authenticate']).toBe(
      `Bearer authorization="https://login.chinacloudapi.cn/${f.az.entra.tenantId}", resource="https://vault.azure.cn"`
    )
    const us = await f.http.request('GET', 'https://kv-gov.vault.usgovcloudapi.net/secrets/x?api-version=7.6')
    expect(us.headers['www-authenticate']).toBe(
      `Bearer authorization="https://login.microsoftonline.us/${f.az.entra.tenantId}", resource="https://vault.usgovcloudapi.net"`
    )
  })

  test('AKV10022: token for another audience', async () => {
    const token = f.az.entra.issueAccessToken(f.clientId, 'https://management.core.windows.net/')
    const res = await f.kv('GET', '/keys/kek', { token })
    expectKvError(res, 401, 'Unauthorized')
    expect(res.json.error.message).toBe(
      'AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://management.core.windows.net/.'
    )
    expect(res.headers['www-authenticate']).toContain('resource="https://vault.azure.net"')
  })

  test('AKV10032: token from another tenant', async () => {
    const otherTenant = f.az.entra.addTenant()
    const app = f.az.entra.registerApp({ tenantId: otherTenant })
    const token = f.az.entra.issueAccessToken(app.clientId, 'https://vault.azure.net')
    const res = await f.kv('GET', '/keys/kek', { token })
    expectKvError(res, 401, 'Unauthorized')
    expect(res.json.error.message).toBe(
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${f.az.entra.tenantId}/, found https://sts.windows.net/${otherTenant}/.`
    )
  })

  test('expired token', async () => {
    const token = f.az.entra.issueAccessToken(f.clientId, 'https://vault.azure.net', undefined, -10)
    const res = await f.kv('GET', '/keys/kek', { token })
    expectKvError(res, 401, 'Unauthorized')
    expect(res.json.error.message).toContain('[TokenExpired]')
  })
})

describe('api-version', () => {
  test.each(['7.0', '7.2', '7.4', '7.5', '7.6', '7.6-preview.2', '2025-07-01', '2026-04-01'])('%s accepted', async (v) => {
    const res = await f.kv('GET', '/keys/kek', { apiVersion: v })
    expect(res.status).toBe(200)
  })
  test('unknown and missing versions are 400 BadParameter', async () => {
    const bad = await f.kv('GET', '/keys/kek', { apiVersion: '9.9' })
    expectKvError(bad, 400, 'BadParameter')
    expect(bad.json.error.message).toBe(
      'The specified version (9.9) is not recognized. Consider using the latest supported version (2025-07-01).'
    )
    const missing = await f.kv('GET', '/keys/kek', { apiVersion: null })
    expectKvError(missing, 400, 'BadParameter')
    expect(missing.json.error.message).toContain('api-version')
  })
})

describe('keys', () => {
  test('GET key: bundle shape, case-insensitive path, trailing slash, versioned', async () => {
    const res = await f.kv('GET', '/KEYS/Kek/')
    expect(res.status).toBe(200)
    expect(res.json.key).toMatchObject({ kid: `${f.vaultUrl}keys/kek/${f.kekVersion}`, kty: 'RSA', e: 'AQAB' })
    expect(res.json.key.key_ops).toEqual(['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'])
    expect(res.json.attributes).toMatchObject({ enabled: true, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 })
    expect(Buffer.from(res.json.key.n, 'base64url')).toHaveLength(256)
    const v = await f.kv('GET', `/keys/kek/${f.kekVersion}`)
    expect(v.json.key.kid).toBe(res.json.key.kid)
  })

  test('404 KeyNotFound with the real text', async () => {
    const res = await f.kv('GET', '/keys/nope')
    expectKvError(res, 404, 'KeyNotFound')
    expect(res.json.error.message).toBe(
      'A key with (name/id) nope was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182'
    )
    const wrapMissing = await wrap({ alg: 'RSA-OAEP', value: aes() }, '/keys/nope/wrapkey')
    expectKvError(wrapMissing, 404, 'KeyNotFound')
  })

  test.each([
    ['RSA-OAEP', constants.RSA_PKCS1_OAEP_PADDING, 'sha1'],
    ['RSA-OAEP-256', constants.RSA_PKCS1_OAEP_PADDING, 'sha256'],
    ['RSA1_5', constants.RSA_PKCS1_PADDING, undefined]
  ])('wrapkey %s (versionless and versioned) decrypts with the private key', async (alg, padding, oaepHash) => {
    const plain = randomBytes(32)
    for (const path of ['/keys/kek/wrapkey', `/keys/kek/${f.kekVersion}/wrapKey`, '/keys/kek//wrapkey']) {
      const res = await wrap({ alg, value: plain.toString('base64url') }, path)
      expect(res.status).toBe(200)
      expect(res.json.kid).toBe(`${f.vaultUrl}keys/kek/${f.kekVersion}`)
      expect(res.json.value).toMatch(/^[A-Za-z0-9_-]+$/)
      const pem = f.az.keyVault.getKey(f.vault, 'kek')!.privateKeyPem
      const back = privateDecrypt({ key: pem, padding, ...(oaepHash ? { oaepHash } : {}) }, Buffer.from(res.json.value, 'base64url'))
      expect(back.equals(plain)).toBe(true)
      const un = await f.kv('POST', '/keys/kek/unwrapkey', { body: { alg, value: res.json.value } })
      expect(Buffer.from(un.json.value, 'base64url').equals(plain)).toBe(true)
    }
  })

  test('padded standard base64 input is accepted', async () => {
    const res = await wrap({ alg: 'RSA-OAEP', value: randomBytes(32).toString('base64') })
    expect(res.status).toBe(200)
  })

  test('plaintext too large and EC key with RSA alg → 400 BadParameter', async () => {
    const big = await wrap({ alg: 'RSA-OAEP-256', value: randomBytes(200).toString('base64url') })
    expectKvError(big, 400, 'BadParameter')
    await f.az.keyVault.createKey(f.vault, 'ec-key', { kty: 'EC' })
    const ec = await wrap({ alg: 'RSA-OAEP', value: aes() }, '/keys/ec-key/wrapkey')
    expectKvError(ec, 400, 'BadParameter')
    const getEc = await f.kv('GET', '/keys/ec-key')
    expect(getEc.json.key).toMatchObject({ kty: 'EC', crv: 'P-256' })
  })

  test('disabled key, missing key_op, validity period → 403', async () => {
    await f.az.keyVault.createKey(f.vault, 'k-disabled', { enabled: false })
    const dis = await wrap({ alg: 'RSA-OAEP', value: aes() }, '/keys/k-disabled/wrapkey')
    expectKvError(dis, 403, 'Forbidden')
    expect(dis.json.error.message).toBe('Operation wrapKey is not allowed on a disabled key.')

    await f.az.keyVault.createKey(f.vault, 'k-noops', { keyOps: ['encrypt', 'decrypt'] })
    const noop = await wrap({ alg: 'RSA-OAEP', value: aes() }, '/keys/k-noops/wrapkey')
    expectKvError(noop, 403, 'Forbidden')
    expect(noop.json.error.message).toBe('Operation wrapKey is not permitted on this key.')

    await f.az.keyVault.createKey(f.vault, 'k-expired', { exp: new Date(Date.now() - 60_000) })
    const exp = await wrap({ alg: 'RSA-OAEP', value: aes() }, '/keys/k-expired/wrapkey')
    expectKvError(exp, 403, 'Forbidden')
    expect(exp.json.error.message).toMatch(/expired/)

    await f.az.keyVault.createKey(f.vault, 'k-future', { nbf: new Date(Date.now() + 3_600_000) })
    const nbf = await wrap({ alg: 'RSA-OAEP', value: aes() }, '/keys/k-future/wrapkey')
    expectKvError(nbf, 403, 'Forbidden')
    expect(nbf.json.error.message).toMatch(/not yet valid/)
  })

  test('create, import and list versions with paging', async () => {
    const created = await f.kv('POST', '/keys/made/create', { body: { kty: 'RSA', key_size: 3072, key_ops: ['wrapKey', 'unwrapKey'] } })
    expect(created.status).toBe(403) // the encryption-user role cannot create keys
    f.az.keyVault.grant(f.vault, f.objectId, 'Key Vault Crypto Officer')
    const ok = await f.kv('POST', '/keys/made/create', { body: { kty: 'RSA', key_size: 3072, key_ops: ['wrapKey', 'unwrapKey'] } })
    expect(ok.status).toBe(200)
    expect(Buffer.from(ok.json.key.n, 'base64url')).toHaveLength(384)
    const jwk = (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
    const imported = await f.kv('PUT', '/keys/made', { body: { key: { ...jwk, kty: 'RSA', key_ops: ['wrapKey'] } } })
    expect(imported.status).toBe(200)
    expect(imported.json.key.n).toBe(jwk.n)
    const page1 = await f.kv('GET', '/keys/made/versions?maxresults=1')
    expect(page1.json.value).toHaveLength(1)
    expect(page1.json.nextLink).toMatch(
      /^https:\/\/kv-main\.vault\.azure\.net:443\/keys\/made\/versions\?api-version=7\.6&\$skiptoken=.+&maxresults=1$/
    )
    const page2 = await f.http.request('GET', page1.json.nextLink, { headers: { authorization: `Bearer ${await f.vaultToken()}` } })
    expect(page2.json.value).toHaveLength(1)
    expect(page2.json.nextLink).toBeNull()
  })
})

describe('authorization', () => {
  test('RBAC: no role → 403 ForbiddenByRbac with the real message layout', async () => {
    const app = await newApp()
    const res = await wrap({ alg: 'RSA-OAEP', value: aes() }, '/keys/kek/wrapkey', app.token)
    expectKvError(res, 403, 'Forbidden', 'ForbiddenByRbac')
    const msg: string = res.json.error.message
    expect(msg).toContain(
      'Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n'
    )
    expect(msg).toContain(`Caller: appid=${app.clientId};oid=${app.objectId};iss=https://sts.windows.net/${f.az.entra.tenantId}/\r\n`)
    expect(msg).toContain("Action: 'Microsoft.KeyVault/vaults/keys/wrap/action'\r\n")
    expect(msg).toContain(
      "Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: kv-main;location=eastus\r\n"
    )
  })

  test('RBAC: Secrets User can read but not write; propagation delay', async () => {
    const app = await newApp()
    f.az.keyVault.grant(f.vault, app.objectId, 'Key Vault Secrets User')
    const put = await f.kv('PUT', '/secrets/ro', { token: app.token, body: { value: 'x' } })
    expect(put.status).toBe(403)
    expect(put.json.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'")
    f.az.keyVault.grant(f.vault, app.objectId, 'Key Vault Secrets Officer', { propagationDelayMs: 300 })
    const early = await f.kv('PUT', '/secrets/ro', { token: app.token, body: { value: 'x' } })
    expect(early.status).toBe(403)
    await new Promise((r) => setTimeout(r, 350))
    const late = await f.kv('PUT', '/secrets/ro', { token: app.token, body: { value: 'x' } })
    expect(late.status).toBe(200)
  })

  test('access policy vault → 403 AccessDenied naming the missing permission', async () => {
    f.az.keyVault.createVault('kv-policy', { authorization: 'accessPolicy' })
    await f.az.keyVault.createKey('kv-policy', 'kek')
    f.az.keyVault.setAccessPolicy('kv-policy', f.objectId, { keys: ['get'], secrets: ['set'] })
    const url = f.az.keyVault.vaultUrl('kv-policy')
    const get = await f.kv('GET', '/keys/kek', { vaultUrl: url })
    expect(get.status).toBe(200)
    const res = await f.kv('POST', '/keys/kek/wrapkey', { vaultUrl: url, body: { alg: 'RSA-OAEP', value: aes() } })
    expectKvError(res, 403, 'Forbidden', 'AccessDenied')
    expect(res.json.error.message).toBe(
      `The user, group or application 'appid=${f.clientId};oid=${f.objectId};iss=https://sts.windows.net/${f.az.entra.tenantId}/' does not have keys wrapKey permission on key vault 'kv-policy;location=eastus'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`
    )
  })

  test('firewall → 403 ForbiddenByFirewall', async () => {
    f.az.keyVault.createVault('kv-fw')
    f.az.keyVault.grant('kv-fw', f.objectId, 'Key Vault Administrator')
    f.az.keyVault.setFirewall('kv-fw', { denyPublic: true })
    const res = await f.kv('GET', '/secrets/x', { vaultUrl: f.az.keyVault.vaultUrl('kv-fw') })
    expectKvError(res, 403, 'Forbidden', 'ForbiddenByFirewall')
    expect(res.json.error.message).toMatch(
      /^Client address is not authorized and caller is not a trusted service\.\r\nClient address: 203\.0\.113\.7\r\nCaller: appid=.+\r\nVault: kv-fw;location=eastus$/
    )
  })

  test('Azure Policy: secrets must have an expiry → 403 ForbiddenByPolicy', async () => {
    f.az.keyVault.createVault('kv-pol')
    f.az.keyVault.grant('kv-pol', f.objectId, 'Key Vault Secrets Officer')
    f.az.keyVault.addPolicy('kv-pol', 'secretsRequireExpiry')
    const url = f.az.keyVault.vaultUrl('kv-pol')
    const res = await f.kv('PUT', '/secrets/s1', { vaultUrl: url, body: { value: 'x' } })
    expectKvError(res, 403, 'Forbidden', 'ForbiddenByPolicy')
    expect(res.json.error.message).toContain('Policy assignment')
    const ok = await f.kv('PUT', '/secrets/s1', {
      vaultUrl: url,
      body: { value: 'x', attributes: { exp: Math.floor(Date.now() / 1000) + 86400 } }
    })
    expect(ok.status).toBe(200)
  })
})

describe('secrets', () => {
  test('set → bundle with versioned id, tags, contentType; get latest and by version', async () => {
    const res = await f.kv('PUT', '/secrets/bek-1', {
      body: { value: 'd3JhcHBlZA==', contentType: 'Wrapped BEK', tags: { DiskEncryptionKeyFileName: 'X.BEK' } }
    })
    expect(res.status).toBe(200)
    expect(res.json.id).toMatch(new RegExp(`^${f.vaultUrl}secrets/bek-1/[0-9a-f]{32}$`))
    expect(res.json.attributes).toMatchObject({ enabled: true, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 })
    expect(res.json.attributes.created).toBeLessThan(2 ** 32)
    const version = (res.json.id as string).split('/').pop()!
    const get = await f.kv('GET', `/secrets/BEK-1/${version}`)
    expect(get.json).toEqual(res.json)
    const stored = f.az.keyVault.getSecretVersions(f.vault, 'bek-1')
    expect(stored[0]).toMatchObject({ value: 'd3JhcHBlZA==', contentType: 'Wrapped BEK', tags: { DiskEncryptionKeyFileName: 'X.BEK' } })
  })

  test('validation: name, tags, value size, contentType', async () => {
    expectKvError(await f.kv('PUT', '/secrets/bad_name', { body: { value: 'x' } }), 400, 'BadParameter')
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, 'v']))
    expectKvError(await f.kv('PUT', '/secrets/s', { body: { value: 'x', tags } }), 400, 'BadParameter')
    expectKvError(await f.kv('PUT', '/secrets/s', { body: { value: 'x', tags: { t: 'v'.repeat(257) } } }), 400, 'BadParameter')
    expectKvError(await f.kv('PUT', '/secrets/s', { body: { value: 'x'.repeat(25 * 1024 + 1) } }), 400, 'BadParameter')
    expectKvError(await f.kv('PUT', '/secrets/s', { body: { value: 'x', contentType: 'c'.repeat(256) } }), 400, 'BadParameter')
  })

  test('404 SecretNotFound; soft delete → 409 on reuse, recover, purge', async () => {
    const nf = await f.kv('GET', '/secrets/missing')
    expectKvError(nf, 404, 'SecretNotFound')
    expect(nf.json.error.message).toMatch(/^A secret with \(name\/id\) missing was not found in this key vault\./)
    await f.kv('PUT', '/secrets/gone', { body: { value: 'v1' } })
    const del = await f.kv('DELETE', '/secrets/gone')
    expect(del.status).toBe(200)
    expect(del.json.recoveryId).toBe(`${f.vaultUrl}deletedsecrets/gone`)
    expect(del.json.scheduledPurgeDate - del.json.deletedDate).toBe(90 * 86400)
    expectKvError(await f.kv('GET', '/secrets/gone'), 404, 'SecretNotFound')
    const reuse = await f.kv('PUT', '/secrets/gone', { body: { value: 'v2' } })
    expectKvError(reuse, 409, 'Conflict', 'ObjectIsDeletedButRecoverable')
    expect(reuse.json.error.message).toBe(
      'Secret gone is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.'
    )
    expect((await f.kv('GET', '/deletedsecrets/gone')).status).toBe(200)
    expect((await f.kv('POST', '/deletedsecrets/gone/recover')).status).toBe(200)
    expect((await f.kv('GET', '/secrets/gone')).json.value).toBe('v1')
    f.az.keyVault.deleteSecret(f.vault, 'gone')
    expect((await f.kv('DELETE', '/deletedsecrets/gone')).status).toBe(204)
    expect((await f.kv('PUT', '/secrets/gone', { body: { value: 'v3' } })).status).toBe(200)
  })

  test('versions list has no values and pages; list secrets', async () => {
    for (let i = 0; i < 3; i++) await f.kv('PUT', '/secrets/multi', { body: { value: `v${i}` } })
    const page = await f.kv('GET', '/secrets/multi/versions?maxresults=2')
    expect(page.json.value).toHaveLength(2)
    expect(page.json.value[0].value).toBeUndefined()
    expect(page.json.nextLink).toContain('$skiptoken=')
    const all = await f.kv('GET', '/secrets')
    expect(all.json.value.map((s: any) => s.id)).toContain(`${f.vaultUrl}secrets/multi`)
  })
})
