// The stand-ins every peer talks to: one RBAC vault with an RSA-3072 KEK, an app registration
// whose federated credential trusts this repository's main branch, and the two roles the job needs.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLocalAzure, type LocalAzure, type LocalAzureOptions } from '../emulator/index.ts'
import { provisionBekVault } from '../emulator/provision.ts'

export const VAULT = 'bek-bench'
export const KEK = 'disk-kek'
export const KEK_BITS = 3072
export const SUBJECT = 'repo:contoso/infra:ref:refs/heads/main'

export interface BenchWorld {
  azure: LocalAzure
  clientId: string
  tenantId: string
  vaultUrl: string
  /** A scratch directory for peers (HOME, config dirs); removed by close(). */
  dir: string
  /** The environment every peer gets: nothing from the parent but PATH, plus the stand-ins' proxy, CA and OIDC variables. */
  peerEnv(extra?: Record<string, string>): Record<string, string>
  close(): Promise<void>
}

export async function createBenchWorld(options: LocalAzureOptions): Promise<BenchWorld> {
  const azure = await startLocalAzure(options)
  const app = await provisionBekVault(azure, { vault: VAULT, kek: KEK, kekBits: KEK_BITS, subject: SUBJECT })
  // Ready for ADE and readable through ARM, for the run with subscription-id.
  azure.keyVault.updateVault(VAULT, { enabledForDiskEncryption: true, enablePurgeProtection: true })
  azure.keyVault.grant(VAULT, app.objectId, 'Reader')
  const dir = await mkdtemp(join(tmpdir(), 'bek-bench-'))
  const vaultUrl = `https://${VAULT}.vault.azure.net`
  return {
    azure,
    clientId: app.clientId,
    tenantId: app.tenantId,
    vaultUrl,
    dir,
    peerEnv: (extra = {}) => ({
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C.UTF-8',
      ...azure.env(),
      https_proxy: azure.proxyUrl,
      no_proxy: '',
      CA: azure.caPath,
      CURL_CA_BUNDLE: azure.caPath,
      VAULT_URL: vaultUrl,
      KEK_NAME: KEK,
      CLIENT_ID: app.clientId,
      TENANT_ID: app.tenantId,
      ...extra
    }),
    close: async () => {
      await azure.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
