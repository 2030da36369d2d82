import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { fileURLToPath } from 'node:url'
import { runScript } from './fixtures/run-script.ts'
import { setup, type Fixture } from './helpers.ts'

const SCRIPT = fileURLToPath(new URL('./fixtures/sdk-roundtrip.ts', import.meta.url))

let f: Fixture
beforeAll(async () => {
  f = await setup({}, 'kv-sdk')
})
afterAll(async () => {
  await f.close()
})

const scriptEnv = (extra: Record<string, string> = {}) => ({
  ...f.az.env(),
  TEST_TENANT_ID: f.az.entra.tenantId,
  TEST_CLIENT_ID: f.clientId,
  TEST_VAULT_URL: f.vaultUrl,
  TEST_KEY_NAME: 'kek',
  ...extra
})

describe('official Azure SDK clients through the proxy', () => {
  test('OIDC → Entra → Key Vault: challenge, remote wrap, local wrap, unwrap, set/get secret', async () => {
    f.az.clearLogs()
    const r = await runScript(SCRIPT, scriptEnv())
    expect(r.stderr).toBe('')
    expect(r.json).toMatchObject({
      ok: true,
      remoteRoundTrip: true,
      localRoundTrip: true,
      secretValueMatches: true,
      contentType: 'Wrapped BEK'
    })
    expect(r.json.remoteKeyId).toBe(`${f.vaultUrl}keys/kek/${f.kekVersion}`)
    const ops = f.az.requests.map((q) => q.operation)
    // RSA-OAEP-256 is remote; RSA-OAEP wraps locally with the fetched public key.
    expect(ops.filter((o) => o === 'wrapKey')).toHaveLength(1)
    expect(ops.filter((o) => o === 'unwrapKey')).toHaveLength(2)
    expect(ops).toContain('idToken')
    expect(ops).toContain('token')
    // Every vault client starts with an unauthenticated challenge request.
    const firstVault = f.az.requests.find((q) => q.host === 'kv-sdk.vault.azure.net')
    expect(firstVault).toMatchObject({ status: 401, authenticated: false })
    expect(f.az.requests.every((q) => q.status < 500)).toBe(true)
    expect(f.az.connects.every((c) => c.allowed)).toBe(true)
    expect(f.az.keyVault.getSecretVersions(f.vault, 'sdk-bek')).toHaveLength(1)
  }, 30_000)

  test('a subject without federated credential surfaces AADSTS700213 from @azure/identity', async () => {
    f.az.github.setClaims({ sub: 'repo:contoso/infra:pull_request' })
    try {
      const r = await runScript(SCRIPT, scriptEnv({ MODE: 'token' }))
      expect(r.json.ok).toBe(false)
      expect(r.json.error).toContain('AADSTS700213')
      expect(r.json.error).toContain("presented assertion subject 'repo:contoso/infra:pull_request'")
    } finally {
      f.az.github.setClaims({ sub: 'repo:contoso/infra:ref:refs/heads/main' })
    }
  }, 30_000)

  test('a missing role surfaces ForbiddenByRbac from the keys client', async () => {
    const other = f.az.entra.registerApp({
      federatedCredentials: [
        { issuer: f.az.github.issuer, subject: 'repo:contoso/infra:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }
      ]
    })
    const r = await runScript(SCRIPT, scriptEnv({ TEST_CLIENT_ID: other.clientId }))
    expect(r.json).toMatchObject({ ok: false, statusCode: 403, code: 'Forbidden' })
    expect(r.json.error).toContain('Caller is not authorized to perform action on resource.')
  }, 30_000)
})
