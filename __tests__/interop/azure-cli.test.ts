/**
 * Interop: the Azure CLI (Debian's azure-cli 2.45), a client this project did not write, signs in
 * to the Entra stand-in with a GitHub OIDC token (what azure/login does), lists subscriptions at
 * the ARM stand-in, and reads the secret the action stored with `az rest`.
 *
 * Debian's 2.45 cannot run `az keyvault ...` (the package lacks a module), so the vault is read
 * with `az rest --resource https://vault.azure.net`, which still has the CLI get a vault token.
 */
import { describe, expect, test } from '@jest/globals'
import { announceSkip, azEnv, azLogin, findAz, runTool, trafficText, type ToolResult, useAzWorld } from './tools.ts'

const VAULT = 'kv-interop-az'
const KEK = 'disk-kek'
const SECRET = 'vm-az-read'

const { az, missing } = await findAz()
if (missing) announceSkip('azure-cli interop', missing)
const describeIfAz = az ? describe : describe.skip

describeIfAz('Azure CLI (azure-cli) against the stand-ins', () => {
  const w = useAzWorld({
    vault: VAULT,
    kek: KEK,
    roles: ['Key Vault Crypto Service Encryption User', 'Key Vault Secrets Officer'],
    inputs: () => ({ 'secret-name': SECRET, 'os-type': 'linux' })
  })

  const cli = (args: string[]): Promise<ToolResult> =>
    runTool(az!, [...args, '--output', 'json'], azEnv(w.azure, w.configDir), { timeoutMs: 90_000 })

  const claims = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))

  test('the action stored the BEK the CLI will read', () => {
    expect({ exitCode: w.action.exitCode, errors: w.action.stdout.split('\n').filter((l) => l.startsWith('::error::')) }).toEqual({
      exitCode: 0,
      errors: []
    })
  })

  test('az login --service-principal --federated-token: Entra token for ARM, subscriptions listed', async () => {
    w.azure.clearLogs()
    const r = await azLogin(az!, w.azure, w.configDir, w.app, ['--allow-no-subscriptions'])
    console.log(`az login: ${r.durationMs} ms`)
    expect({ code: r.code, stderr: r.stderr, traffic: trafficText(w.azure) }).toMatchObject({ code: 0 })
    // No subscription in the tenant: the CLI records a tenant-level account for the service principal.
    expect(r.json).toEqual([
      expect.objectContaining({
        cloudName: 'AzureCloud',
        id: w.app.tenantId,
        tenantId: w.app.tenantId,
        isDefault: true,
        name: 'N/A(tenant level account)',
        user: { name: w.app.clientId, type: 'servicePrincipal' }
      })
    ])
    const tokens = w.azure.requests.filter((q) => q.operation === 'token')
    expect(tokens.map((q) => q.status)).toEqual([200])
    // The CLI asked for https://management.core.windows.net//.default and got an ARM token for the w.app.
    expect(claims(w.azure.entra.issuedTokens.at(-1)!)).toMatchObject({
      aud: 'https://management.core.windows.net/',
      appid: w.app.clientId,
      tid: w.app.tenantId
    })
    expect(w.azure.requests.filter((q) => q.operation === 'listSubscriptions').map((q) => q.status)).toEqual([200])
    expect(w.azure.requests.filter((q) => q.status >= 500)).toEqual([])
    // Only Entra and ARM were reached. The proxy refuses one more CONNECT: on its first run with a
    // fresh config dir the CLI probes https://azure.microsoft.com (its update check), a host no stand-in serves.
    expect(new Set(w.azure.connects.filter((c) => c.allowed).map((c) => c.target))).toEqual(
      new Set(['login.microsoftonline.com:443', 'management.azure.com:443'])
    )
    expect(w.azure.connects.filter((c) => !c.allowed && c.target !== 'azure.microsoft.com:443')).toEqual([])
  }, 90_000)

  test('az rest --resource https://vault.azure.net reads the secret: ADE tags and content type', async () => {
    w.azure.clearLogs()
    const r = await cli([
      'rest',
      '--method',
      'get',
      '--resource',
      'https://vault.azure.net',
      '--url',
      `https://${VAULT}.vault.azure.net/secrets/${SECRET}?api-version=7.4`
    ])
    console.log(`az rest: ${r.durationMs} ms`)
    expect({ code: r.code, stderr: r.stderr, traffic: trafficText(w.azure) }).toMatchObject({ code: 0 })
    const stored = w.azure.keyVault.getSecretVersions(VAULT, SECRET)
    expect(stored).toHaveLength(1)
    expect(r.json).toMatchObject({
      id: w.action.outputs['secret-url'],
      value: stored[0]!['value'],
      contentType: 'Wrapped BEK',
      attributes: { enabled: true },
      tags: {
        DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
        DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
        DiskEncryptionKeyEncryptionKeyURL: w.kek.kid
      }
    })
    expect(w.action.outputs['kek-url']).toBe(w.kek.kid)
    // The CLI got a vault token from Entra (a second client-assertion grant) and the vault accepted it.
    expect(w.azure.requests.filter((q) => q.operation === 'token').map((q) => q.status)).toEqual([200])
    expect(claims(w.azure.entra.issuedTokens.at(-1)!)).toMatchObject({ aud: 'https://vault.azure.net', appid: w.app.clientId })
    expect(
      w.azure.requests.filter((q) => q.operation === 'getSecret' && q.authenticated).map((q) => [q.status, q.query['api-version']])
    ).toEqual([[200, '7.4']])
    expect(w.azure.connects).toEqual([
      expect.objectContaining({ target: 'login.microsoftonline.com:443', allowed: true }),
      expect.objectContaining({ target: `${VAULT}.vault.azure.net:443`, allowed: true })
    ])
  }, 90_000)
})
