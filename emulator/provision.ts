/**
 * The Azure this action expects, in one call: an RBAC vault with an RSA KEK, an app
 * registration whose federated credential trusts a GitHub subject, and the two roles the
 * action needs. The demo, the CLI, the end-to-end tests and the benchmarks all start here.
 */
import type { LocalAzure } from './index.ts'

export const DEFAULT_SUBJECT = 'repo:contoso/infra:ref:refs/heads/main'

export interface BekVaultOptions {
  vault: string
  kek?: string
  kekBits?: 2048 | 3072 | 4096
  subject?: string
}

export interface BekVault {
  vault: string
  vaultUrl: string
  kek: string
  kekId: string
  kekVersion: string
  clientId: string
  objectId: string
  tenantId: string
  subject: string
  /** The action inputs that sign in with this app and use this vault and KEK. */
  inputs: Record<string, string>
}

export async function provisionBekVault(azure: LocalAzure, options: BekVaultOptions): Promise<BekVault> {
  const { vault, kek = 'disk-kek', kekBits = 3072, subject = DEFAULT_SUBJECT } = options
  const { url: vaultUrl } = azure.keyVault.createVault(vault)
  const key = await azure.keyVault.createKey(vault, kek, { size: kekBits })
  const app = azure.entra.registerApp({
    federatedCredentials: [{ issuer: azure.github.issuer, subject, audiences: ['api://AzureADTokenExchange'] }]
  })
  azure.keyVault.grant(vault, app.objectId, 'Key Vault Crypto Service Encryption User')
  azure.keyVault.grant(vault, app.objectId, 'Key Vault Secrets Officer')
  return {
    vault,
    vaultUrl: vaultUrl.replace(/\/$/, ''),
    kek,
    kekId: key.kid,
    kekVersion: key.version,
    clientId: app.clientId,
    objectId: app.objectId,
    tenantId: app.tenantId,
    subject,
    inputs: { 'key-vault': vault, 'kek-name': kek, 'client-id': app.clientId, 'tenant-id': app.tenantId }
  }
}
