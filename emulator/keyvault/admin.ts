// The test-facing control plane: what ARM/portal would do (create vaults, keys, role assignments,
// access policies, firewall, Azure Policy), plus readers for asserting on vault state.
import { randomUUID } from 'node:crypto'
import { CLOUDS, type CloudName } from '../clouds.ts'
import { backupBlob } from './backup.ts'
import { softDeleteKey } from './deleted-keys.ts'
import { addKeyVersion, keyBundle, keyId } from './keys.ts'
import { ROLES } from './permissions.ts'
import { SECRET_EXPIRY_POLICY, secretBundle } from './secrets.ts'
import {
  newVault,
  newVersionId,
  nowSeconds,
  privateKeyPem,
  vaultUrl,
  type AccessPolicy,
  type Authorization,
  type KeyType,
  type Vault
} from './vault-store.ts'

export interface CreateVaultOptions {
  cloud?: CloudName
  tenantId?: string
  authorization?: Authorization
  softDeleteRetentionDays?: number
  /** ARM placement; by default the shared subscription and a resource group of its own. */
  subscriptionId?: string
  resourceGroup?: string
  location?: string
  enabledForDiskEncryption?: boolean
  enablePurgeProtection?: boolean
  /** Default standard, as az keyvault create makes it: it refuses to create or import HSM keys. */
  sku?: 'standard' | 'premium'
}

export interface VaultNetworkOptions {
  publicNetworkAccess?: 'Enabled' | 'Disabled'
  defaultAction?: 'Allow' | 'Deny'
  bypass?: 'AzureServices' | 'None'
}

export interface CreateKeyOptions {
  kty?: KeyType
  size?: 2048 | 3072 | 4096
  crv?: 'P-256' | 'P-384' | 'P-521'
  keyOps?: string[]
  enabled?: boolean
  nbf?: Date
  exp?: Date
  tags?: Record<string, string>
}

export type RoleName =
  | 'Reader'
  | 'Key Vault Administrator'
  | 'Key Vault Crypto Officer'
  | 'Key Vault Crypto User'
  | 'Key Vault Crypto Service Encryption User'
  | 'Key Vault Secrets Officer'
  | 'Key Vault Secrets User'
  | 'Key Vault Reader'

export type VaultPolicy = 'secretsRequireExpiry'

const toSec = (d?: Date) => (d ? Math.floor(d.getTime() / 1000) : undefined)

export class KeyVaultAdmin {
  /** The subscription vaults land in unless told otherwise (one, so a run finds both vaults). */
  readonly subscriptionId = randomUUID()
  private readonly vaults = new Map<string, Vault>()
  private readonly defaultTenant: () => string

  constructor(defaultTenant: () => string) {
    this.defaultTenant = defaultTenant
  }

  /** `<name>.<cloud vault suffix>` → vault, only for vaults that exist in that cloud. */
  lookupByHost(hostname: string): Vault | undefined {
    const dot = hostname.indexOf('.')
    if (dot < 0) return undefined
    const v = this.vaults.get(hostname.slice(0, dot))
    return v && v.cloud.vaultSuffix === hostname.slice(dot + 1) ? v : undefined
  }

  createVault(name: string, options: CreateVaultOptions = {}): { name: string; url: string; tenantId: string } {
    if (!/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(name)) throw new Error(`emulator: invalid vault name '${name}'`)
    if (this.vaults.has(name.toLowerCase())) throw new Error(`emulator: vault '${name}' already exists`)
    const vault = newVault(
      name,
      CLOUDS[options.cloud ?? 'AzureCloud'],
      (options.tenantId ?? this.defaultTenant()).toLowerCase(),
      options.authorization ?? 'rbac',
      options.softDeleteRetentionDays ?? 90
    )
    vault.subscriptionId = (options.subscriptionId ?? this.subscriptionId).toLowerCase()
    if (options.resourceGroup) vault.resourceGroup = options.resourceGroup
    if (options.location) vault.location = options.location
    if (options.enabledForDiskEncryption !== undefined) vault.resource.enabledForDiskEncryption = options.enabledForDiskEncryption
    if (options.enablePurgeProtection !== undefined) vault.resource.enablePurgeProtection = options.enablePurgeProtection
    if (options.sku) vault.resource.sku = options.sku
    this.vaults.set(vault.name, vault)
    return { name: vault.name, url: `${vaultUrl(vault)}/`, tenantId: vault.tenantId }
  }

  allVaults(): Vault[] {
    return [...this.vaults.values()]
  }

  /** ARM's vault settings (`az keyvault update`). */
  updateVault(
    vaultName: string,
    changes: { enabledForDiskEncryption?: boolean; enablePurgeProtection?: boolean; location?: string }
  ): void {
    const v = this.vault(vaultName)
    if (changes.enabledForDiskEncryption !== undefined) v.resource.enabledForDiskEncryption = changes.enabledForDiskEncryption
    if (changes.enablePurgeProtection !== undefined) v.resource.enablePurgeProtection = changes.enablePurgeProtection
    if (changes.location !== undefined) v.location = changes.location
  }

  /** Networking as ARM shows it; the data plane then refuses the runner (it is in no allowed range). */
  setNetwork(vaultName: string, network: VaultNetworkOptions): void {
    const r = this.vault(vaultName).resource
    if (network.publicNetworkAccess) r.publicNetworkAccess = network.publicNetworkAccess
    if (network.defaultAction) r.networkAcls.defaultAction = network.defaultAction
    if (network.bypass) r.networkAcls.bypass = network.bypass
    this.vault(vaultName).firewall = { denyPublic: r.publicNetworkAccess === 'Disabled' || r.networkAcls.defaultAction === 'Deny' }
  }

  vault(name: string): Vault {
    const v = this.vaults.get(name.toLowerCase())
    if (!v) throw new Error(`emulator: no vault '${name}'`)
    return v
  }

  vaultUrl(name: string): string {
    return `${vaultUrl(this.vault(name))}/`
  }

  async createKey(
    vaultName: string,
    name: string,
    options: CreateKeyOptions = {}
  ): Promise<{ kid: string; version: string; privateKeyPem: string }> {
    const vault = this.vault(vaultName)
    const nbf = toSec(options.nbf)
    const exp = toSec(options.exp)
    const { entry, kv } = await addKeyVersion(vault, name, {
      kty: options.kty ?? 'RSA',
      ...(options.size ? { size: options.size } : {}),
      ...(options.crv ? { crv: options.crv } : {}),
      ...(options.keyOps ? { keyOps: options.keyOps } : {}),
      ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
      ...(nbf !== undefined ? { nbf } : {}),
      ...(exp !== undefined ? { exp } : {}),
      ...(options.tags ? { tags: options.tags } : {})
    })
    return { kid: `${vaultUrl(vault)}/keys/${entry.name}/${kv.version}`, version: kv.version, privateKeyPem: privateKeyPem(kv) }
  }

  /** Changes attributes of the current (or given) key version, e.g. to disable it. */
  updateKey(
    vaultName: string,
    name: string,
    changes: { enabled?: boolean; keyOps?: string[]; nbf?: Date | null; exp?: Date | null },
    version?: string
  ): void {
    const entry = this.vault(vaultName).keys.get(name.toLowerCase())
    const kv = entry && (version ? entry.versions.find((v) => v.version === version) : entry.versions[entry.versions.length - 1])
    if (!kv) throw new Error(`emulator: no key '${name}'`)
    if (changes.enabled !== undefined) kv.attributes.enabled = changes.enabled
    if (changes.keyOps) kv.keyOps = changes.keyOps
    if (changes.nbf !== undefined) {
      if (changes.nbf) kv.attributes.nbf = toSec(changes.nbf)!
      else delete kv.attributes.nbf
    }
    if (changes.exp !== undefined) {
      if (changes.exp) kv.attributes.exp = toSec(changes.exp)!
      else delete kv.attributes.exp
    }
    kv.attributes.updated = Math.floor(Date.now() / 1000)
  }

  /** KeyBundle of the current version plus its private key (for unwrapping in tests). */
  getKey(vaultName: string, name: string): (Record<string, unknown> & { privateKeyPem: string; version: string }) | undefined {
    const vault = this.vault(vaultName)
    const entry = vault.keys.get(name.toLowerCase())
    if (!entry) return undefined
    const kv = entry.versions[entry.versions.length - 1]!
    return { ...keyBundle(vault, entry, kv), privateKeyPem: privateKeyPem(kv), version: kv.version }
  }

  /** Every version of a key, oldest first, each with its private key (for checks that unwrap with the version a tag names). */
  getKeyVersions(vaultName: string, name: string): Array<{ kid: string; privateKeyPem: string }> {
    const vault = this.vault(vaultName)
    const entry = vault.keys.get(name.toLowerCase())
    return entry ? entry.versions.map((kv) => ({ kid: keyId(vault, entry, kv), privateKeyPem: privateKeyPem(kv) })) : []
  }

  grant(vaultName: string, objectId: string, role: RoleName, options: { propagationDelayMs?: number } = {}): void {
    if (!ROLES[role]) throw new Error(`emulator: unknown role '${role}'`)
    this.vault(vaultName).roleAssignments.push({ objectId, role, effectiveAt: Date.now() + (options.propagationDelayMs ?? 0) })
  }

  revoke(vaultName: string, objectId: string, role?: RoleName): void {
    const v = this.vault(vaultName)
    v.roleAssignments = v.roleAssignments.filter((a) => !(a.objectId === objectId && (!role || a.role === role)))
  }

  setAccessPolicy(vaultName: string, objectId: string, policy: Partial<AccessPolicy>): void {
    this.vault(vaultName).accessPolicies.set(objectId, { keys: policy.keys ?? [], secrets: policy.secrets ?? [] })
  }

  setFirewall(vaultName: string, firewall: { denyPublic: boolean }): void {
    this.vault(vaultName).firewall = { ...firewall }
  }

  addPolicy(vaultName: string, policy: VaultPolicy): void {
    if (policy !== SECRET_EXPIRY_POLICY) throw new Error(`emulator: unknown policy '${String(policy)}'`)
    this.vault(vaultName).policies.add(policy)
  }

  removePolicy(vaultName: string, policy: VaultPolicy): void {
    this.vault(vaultName).policies.delete(policy)
  }

  /** Stores a new secret version directly, as another tool would have (ADE, the SDK, the portal). */
  setSecret(
    vaultName: string,
    name: string,
    secret: { value: string; contentType?: string; tags?: Record<string, string>; enabled?: boolean }
  ): { id: string; version: string } {
    const vault = this.vault(vaultName)
    let entry = vault.secrets.get(name.toLowerCase())
    if (!entry) {
      entry = { name, versions: [] }
      vault.secrets.set(name.toLowerCase(), entry)
    }
    const now = nowSeconds()
    const version = newVersionId()
    entry.versions.push({
      version,
      value: secret.value,
      ...(secret.contentType !== undefined ? { contentType: secret.contentType } : {}),
      ...(secret.tags ? { tags: secret.tags } : {}),
      attributes: { enabled: secret.enabled ?? true, created: now, updated: now }
    })
    return { id: `${vaultUrl(vault)}/secrets/${entry.name}/${version}`, version }
  }

  /** All versions, oldest first, as full SecretBundles (value, contentType, tags...). Includes soft-deleted names. */
  getSecretVersions(vaultName: string, name: string): Array<Record<string, unknown>> {
    const vault = this.vault(vaultName)
    const entry = vault.secrets.get(name.toLowerCase())
    return entry ? entry.versions.map((sv) => secretBundle(vault, entry, sv, true)) : []
  }

  secretNames(vaultName: string): string[] {
    return [...this.vault(vaultName).secrets.values()].filter((e) => !e.deleted).map((e) => e.name)
  }

  isSecretDeleted(vaultName: string, name: string): boolean {
    return !!this.vault(vaultName).secrets.get(name.toLowerCase())?.deleted
  }

  /** Soft-deletes (or deletes, when soft delete is off) like DELETE /secrets/{name}. */
  deleteSecret(vaultName: string, name: string): void {
    const vault = this.vault(vaultName)
    const entry = vault.secrets.get(name.toLowerCase())
    if (!entry || entry.deleted) throw new Error(`emulator: no active secret '${name}'`)
    if (vault.softDeleteRetentionDays <= 0) {
      vault.secrets.delete(name.toLowerCase())
      return
    }
    const now = Math.floor(Date.now() / 1000)
    entry.deleted = { deletedDate: now, scheduledPurgeDate: now + vault.softDeleteRetentionDays * 86400 }
  }

  purgeSecret(vaultName: string, name: string): void {
    this.vault(vaultName).secrets.delete(name.toLowerCase())
  }

  /** POST /keys/{name}/backup's (or, with 'secret', /secrets/{name}/backup's) blob, base64url, as Azure Backup takes it. */
  backup(vaultName: string, kind: 'key' | 'secret', name: string): string {
    return backupBlob(this.vault(vaultName), kind, name)
  }

  /** Soft-deletes (or deletes, when soft delete is off) like DELETE /keys/{name}. */
  deleteKey(vaultName: string, name: string): void {
    if (!softDeleteKey(this.vault(vaultName), name)) throw new Error(`emulator: no active key '${name}'`)
  }

  purgeKey(vaultName: string, name: string): void {
    this.vault(vaultName).keys.delete(name.toLowerCase())
  }

  isKeyDeleted(vaultName: string, name: string): boolean {
    return !!this.vault(vaultName).keys.get(name.toLowerCase())?.deleted
  }
}
