/**
 * Interop: the Azure SDK for Python and MSAL Python (Debian's python3-azure), a client this
 * project did not write, against the stand-ins and against what the action stores.
 *
 * (a) reads back a BEK the action made (value, ADE tags, content type) and has the vault unwrap it;
 *     the bytes must equal an independent RSA-OAEP decryption with the KEK's private key.
 * (b) makes a BEK the ADE way (random key, vault /wrapkey with RSA-OAEP-256, set_secret with the
 *     ADE tags); the action with if-exists: reuse must accept it and create nothing.
 *
 * The vault uses access policies so the "ADE" identity can have wrapKey without keys/get: then
 * the Python SDK cannot fetch the public key to wrap locally and calls /wrapkey, as ADE does.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto'
import { startLocalAzure, type LocalAzure } from '../../emulator/index.ts'
import { runAction } from '../../emulator/runner.ts'
import { announceSkip, pythonSdkMissing, runPythonSdkClient, type ToolResult } from './tools.ts'

const VAULT = 'kv-interop-py'
const KEK = 'ade-kek'
const SUBJECT = 'repo:contoso/infra:ref:refs/heads/main'

const missing = await pythonSdkMissing()
if (missing) announceSkip('python-sdk interop', missing)
const describeIfPython = missing ? describe.skip : describe

describeIfPython('Azure SDK for Python + MSAL Python (python3-azure) against the stand-ins', () => {
  let azure: LocalAzure
  let kek: { kid: string; version: string; privateKeyPem: string }
  let actionApp: { clientId: string; objectId: string; tenantId: string }
  let adeApp: { clientId: string; objectId: string; tenantId: string }

  beforeAll(async () => {
    azure = await startLocalAzure()
    azure.keyVault.createVault(VAULT, { authorization: 'accessPolicy' })
    kek = await azure.keyVault.createKey(VAULT, KEK, { size: 3072 })
    const federated = {
      federatedCredentials: [{ issuer: azure.github.issuer, subject: SUBJECT, audiences: ['api://AzureADTokenExchange'] }]
    }
    actionApp = azure.entra.registerApp(federated)
    adeApp = azure.entra.registerApp(federated)
    azure.keyVault.setAccessPolicy(VAULT, actionApp.objectId, { keys: ['get', 'wrapKey', 'unwrapKey'], secrets: ['get', 'set', 'list'] })
    // What ADE needs for a pre-made BEK: wrap with the KEK, store the secret. No keys/get.
    azure.keyVault.setAccessPolicy(VAULT, adeApp.objectId, { keys: ['wrapKey', 'unwrapKey'], secrets: ['get', 'set'] })
  })
  afterAll(async () => {
    await azure?.close()
  })

  const python = (env: Record<string, string>): Promise<ToolResult> =>
    runPythonSdkClient(azure, { VAULT_URL: azure.keyVault.vaultUrl(VAULT), ...env })

  const decrypt = (value: string, oaepHash: 'sha1' | 'sha256'): Buffer =>
    privateDecrypt(
      { key: createPrivateKey(kek.privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
      Buffer.from(value, 'base64url')
    )

  const vaultRequests = () => azure.requests.filter((r) => r.host === `${VAULT}.vault.azure.net`)

  test('(a) reads back the BEK the action stored and unwraps it with CryptographyClient (RSA-OAEP)', async () => {
    const action = await runAction({
      localAzure: azure,
      inputs: {
        'key-vault': VAULT,
        'kek-name': KEK,
        'client-id': actionApp.clientId,
        'tenant-id': actionApp.tenantId,
        'secret-name': 'vm-python-read'
      },
      timeoutMs: 60_000
    })
    expect({ exitCode: action.exitCode, errors: action.stdout.split('\n').filter((l) => l.startsWith('::error::')) }).toEqual({
      exitCode: 0,
      errors: []
    })
    const stored = azure.keyVault.getSecretVersions(VAULT, 'vm-python-read')
    expect(stored).toHaveLength(1)

    azure.clearLogs()
    const r = await python({ MODE: 'read', CLIENT_ID: actionApp.clientId, SECRET_NAME: 'vm-python-read' })
    expect({ code: r.code, json: r.json, stderr: r.stderr }).toMatchObject({ code: 0, json: { ok: true } })
    const out = r.json
    console.log(`python-sdk (a): ${r.durationMs} ms; ${JSON.stringify(out.versions)}; api-versions ${JSON.stringify(out.apiVersions)}`)

    expect(out.secretId).toBe(action.outputs['secret-url'])
    expect(out.value).toBe(stored[0]!['value'])
    expect(out.contentType).toBe('Wrapped BEK')
    expect(out.enabled).toBe(true)
    expect(out.tags).toEqual({
      DiskEncryptionKeyFileName: 'vm-python-read.BEK',
      DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
      DiskEncryptionKeyEncryptionKeyURL: kek.kid,
      CreatedBy: `https://github.com/contoso/infra/actions/runs/${azure.github.currentClaims()['run_id']}/attempts/1`
    })
    expect(action.outputs['kek-url']).toBe(kek.kid)
    expect(out.kek).toMatchObject({ id: kek.kid, kty: 'RSA' })
    expect(out.kek.keyOps).toEqual(expect.arrayContaining(['wrapKey', 'unwrapKey']))
    expect(out.unwrapAlgorithm).toBe('RSA-OAEP')
    expect(out.unwrapKeyId).toBe(kek.kid)
    expect(out.keyLength).toBe(32)
    // Independent of the vault and of both SDKs: RSA-OAEP (SHA-1) with the KEK's private key.
    expect(out.keyHex).toBe(decrypt(out.value, 'sha1').toString('hex'))

    // The SDK's api-versions were accepted, the unwrap went to the vault, and nothing failed.
    const ops = vaultRequests()
    expect(ops.filter((q) => q.operation === 'unwrapKey' && q.status === 200)).toHaveLength(1)
    expect(ops.filter((q) => q.operation === 'getSecret' && q.status === 200)).toHaveLength(1)
    // Every SDK client's first request is the unauthenticated challenge; nothing else failed.
    expect(ops.filter((q) => q.status === 401).every((q) => !q.authenticated)).toBe(true)
    expect(ops.filter((q) => q.status >= 400 && q.status !== 401)).toEqual([])
    expect(new Set(ops.filter((q) => q.status === 200).map((q) => q.query['api-version']))).toEqual(
      new Set([out.apiVersions.secrets, out.apiVersions.keys, out.apiVersions.crypto])
    )
    expect(azure.requests.filter((q) => q.operation === 'token' && q.status === 200).length).toBeGreaterThanOrEqual(1)
    expect(azure.requests.filter((q) => q.operation === 'idToken' && q.status === 200).length).toBeGreaterThanOrEqual(1)
    expect(azure.connects.every((c) => c.allowed)).toBe(true)
  }, 120_000)

  test('(b) a BEK made the ADE way by Python (remote wrap RSA-OAEP-256) is accepted by if-exists: reuse', async () => {
    const name = crypto.randomUUID().toUpperCase()
    azure.clearLogs()
    const r = await python({ MODE: 'create', CLIENT_ID: adeApp.clientId, SECRET_NAME: name, KEK_URL: kek.kid })
    expect({ code: r.code, json: r.json, stderr: r.stderr }).toMatchObject({ code: 0, json: { ok: true } })
    const out = r.json
    console.log(`python-sdk (b): ${r.durationMs} ms; api-versions ${JSON.stringify(out.apiVersions)}`)

    // Without keys/get the SDK could not wrap locally: it asked the vault's /wrapkey.
    const ops = vaultRequests().filter((q) => q.authenticated)
    expect(ops.filter((q) => q.operation === 'getKey').map((q) => q.status)).toEqual([403])
    expect(ops.filter((q) => q.operation === 'wrapKey').map((q) => q.status)).toEqual([200])
    expect(ops.filter((q) => q.operation === 'setSecret').map((q) => q.status)).toEqual([200])
    expect(out.wrapKeyId).toBe(kek.kid)

    const stored = azure.keyVault.getSecretVersions(VAULT, name)
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({
      id: out.secretId,
      contentType: 'Wrapped BEK',
      tags: {
        DiskEncryptionKeyFileName: `${name}.BEK`,
        DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP-256',
        DiskEncryptionKeyEncryptionKeyURL: kek.kid
      }
    })
    // The vault wrapped with RSA-OAEP-256 (SHA-256 OAEP) and the key is Python's 32 random bytes.
    expect(decrypt(String(stored[0]!['value']), 'sha256').toString('hex')).toBe(out.keyHex)
    expect(out.keyHex).toHaveLength(64)

    azure.clearLogs()
    const action = await runAction({
      localAzure: azure,
      inputs: {
        'key-vault': VAULT,
        'kek-name': KEK,
        'client-id': actionApp.clientId,
        'tenant-id': actionApp.tenantId,
        'secret-name': name,
        'if-exists': 'reuse'
      },
      timeoutMs: 60_000
    })
    expect({ exitCode: action.exitCode, errors: action.stdout.split('\n').filter((l) => l.startsWith('::error::')) }).toEqual({
      exitCode: 0,
      errors: []
    })
    expect(action.outputs['secret-url']).toBe(out.secretId)
    expect(action.outputs['kek-url']).toBe(kek.kid)
    expect(action.outputs['secret-version']).toBe(out.secretVersion)
    expect(azure.keyVault.getSecretVersions(VAULT, name)).toHaveLength(1)
    const actionOps = vaultRequests().map((q) => q.operation)
    expect(actionOps).not.toContain('setSecret')
    expect(actionOps).not.toContain('wrapKey')
  }, 120_000)
})
