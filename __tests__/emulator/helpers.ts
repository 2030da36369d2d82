// Shared set-up for emulator tests: one vault, one KEK, one federated app with the usual roles,
// and a raw client that goes through the proxy.
import { startLocalAzure, type LocalAzure, type LocalAzureOptions } from '../../emulator/index.ts'
import { proxyClient, type ProxyClient } from '../../emulator/http-client.ts'

export const SUBJECT = 'repo:contoso/infra:ref:refs/heads/main'
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

export interface Fixture {
  az: LocalAzure
  http: ProxyClient
  clientId: string
  objectId: string
  vault: string
  vaultUrl: string
  kekVersion: string
  /** Access token for the vault resource via the real token endpoint. */
  vaultToken(clientId?: string): Promise<string>
  token(form: Record<string, string>, host?: string, tenant?: string): ReturnType<ProxyClient['request']>
  kv(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; apiVersion?: string | null; vaultUrl?: string }
  ): ReturnType<ProxyClient['request']>
  close(): Promise<void>
}

export async function setup(options: LocalAzureOptions = {}, vault = 'kv-test'): Promise<Fixture> {
  const az = await startLocalAzure(options)
  az.keyVault.createVault(vault)
  const kek = await az.keyVault.createKey(vault, 'kek', { size: 2048 })
  const app = az.entra.registerApp({
    federatedCredentials: [{ issuer: az.github.issuer, subject: SUBJECT, audiences: ['api://AzureADTokenExchange'] }]
  })
  az.keyVault.grant(vault, app.objectId, 'Key Vault Crypto Service Encryption User')
  az.keyVault.grant(vault, app.objectId, 'Key Vault Secrets Officer')
  const http = proxyClient(az.proxyUrl, az.caPath)
  const vaultUrl = az.keyVault.vaultUrl(vault)
  const token: Fixture['token'] = (form, host = 'login.microsoftonline.com', tenant = az.entra.tenantId) =>
    http.request('POST', `https://${host}/${tenant}/oauth2/v2.0/token`, { form })
  const tokens = new Map<string, string>()
  const vaultToken = async (clientId = app.clientId) => {
    const cached = tokens.get(clientId)
    if (cached) return cached
    const res = await token({
      grant_type: 'client_credentials',
      client_id: clientId,
      scope: 'https://vault.azure.net/.default',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: az.github.mint()
    })
    if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`)
    tokens.set(clientId, res.json.access_token as string)
    return res.json.access_token as string
  }
  return {
    az,
    http,
    clientId: app.clientId,
    objectId: app.objectId,
    vault,
    vaultUrl,
    kekVersion: kek.version,
    vaultToken,
    token,
    kv: async (method, path, opts = {}) => {
      const t = opts.token === undefined ? await vaultToken() : opts.token
      const v = opts.apiVersion === undefined ? '7.6' : opts.apiVersion
      const base = (opts.vaultUrl ?? vaultUrl).replace(/\/$/, '')
      const url = `${base}${path}${v === null ? '' : `${path.includes('?') ? '&' : '?'}api-version=${v}`}`
      return http.request(method, url, {
        ...(t ? { headers: { authorization: `Bearer ${t}` } } : {}),
        ...(opts.body !== undefined ? { body: opts.body } : {})
      })
    },
    close: async () => {
      http.close()
      await az.close()
    }
  }
}
