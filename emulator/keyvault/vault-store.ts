// In-memory state of the emulated vaults: keys (with private material), secrets, soft-deleted
// secrets, and the authorization configuration (RBAC assignments / access policies / firewall).
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import type { Cloud } from '../clouds.ts'

const generateKeyPairAsync = promisify(generateKeyPair)

export type KeyType = 'RSA' | 'RSA-HSM' | 'EC' | 'EC-HSM'
export const ALL_KEY_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']

export interface ObjectAttributes {
  enabled: boolean
  nbf?: number
  exp?: number
  created: number
  updated: number
}

export interface KeyVersion {
  version: string
  kty: KeyType
  keyOps: string[]
  keySize?: number
  crv?: string
  privateKey: KeyObject
  attributes: ObjectAttributes
  tags?: Record<string, string>
}

export interface KeyEntry {
  name: string
  versions: KeyVersion[]
  deleted?: { deletedDate: number; scheduledPurgeDate: number }
}

export interface SecretVersion {
  version: string
  value: string
  contentType?: string
  tags?: Record<string, string>
  attributes: ObjectAttributes
}

export interface SecretEntry {
  name: string
  versions: SecretVersion[]
  deleted?: { deletedDate: number; scheduledPurgeDate: number }
}

export type Authorization = 'rbac' | 'accessPolicy'

export interface RoleAssignment {
  objectId: string
  role: string
  effectiveAt: number
}

export interface AccessPolicy {
  keys: string[]
  secrets: string[]
}

export interface Vault {
  name: string
  cloud: Cloud
  tenantId: string
  authorization: Authorization
  softDeleteRetentionDays: number
  subscriptionId: string
  resourceGroup: string
  location: string
  keys: Map<string, KeyEntry>
  secrets: Map<string, SecretEntry>
  roleAssignments: RoleAssignment[]
  accessPolicies: Map<string, AccessPolicy>
  firewall: { denyPublic: boolean }
  policies: Set<string>
  /** Control-plane settings that only ARM shows (the data plane enforces `firewall`). */
  resource: VaultResourceSettings
}

export interface VaultResourceSettings {
  /** The pricing tier: only premium vaults hold HSM-protected keys (RSA-HSM, EC-HSM). */
  sku: 'standard' | 'premium'
  enabledForDiskEncryption: boolean
  enablePurgeProtection: boolean
  publicNetworkAccess: 'Enabled' | 'Disabled'
  networkAcls: { defaultAction: 'Allow' | 'Deny'; bypass: 'AzureServices' | 'None' }
}

export function newVersionId(): string {
  return randomBytes(16).toString('hex')
}

export function vaultUrl(vault: Vault): string {
  return `https://${vault.name}.${vault.cloud.vaultSuffix}`
}

/** An object's attributes as the REST API shows them, recovery settings from its vault. */
export function attributesJson(vault: Vault, a: ObjectAttributes): Record<string, unknown> {
  return {
    enabled: a.enabled,
    ...(a.nbf !== undefined ? { nbf: a.nbf } : {}),
    ...(a.exp !== undefined ? { exp: a.exp } : {}),
    created: a.created,
    updated: a.updated,
    recoveryLevel: vault.softDeleteRetentionDays > 0 ? 'Recoverable+Purgeable' : 'Purgeable',
    ...(vault.softDeleteRetentionDays > 0 ? { recoverableDays: vault.softDeleteRetentionDays } : {})
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

export function currentKey(entry: KeyEntry): KeyVersion {
  return entry.versions[entry.versions.length - 1]!
}

export function currentSecret(entry: SecretEntry): SecretVersion {
  return entry.versions[entry.versions.length - 1]!
}

export function isRsa(kty: string): boolean {
  return kty === 'RSA' || kty === 'RSA-HSM'
}

export function isHsm(kty: string): boolean {
  return kty.endsWith('-HSM')
}

const CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', 'P-256K': 'secp256k1' }

export async function generateKeyMaterial(
  kty: KeyType,
  size?: number,
  crv?: string
): Promise<{ privateKey: KeyObject; keySize?: number; crv?: string }> {
  if (isRsa(kty)) {
    const keySize = size ?? 2048
    const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: keySize, publicExponent: 0x10001 })
    return { privateKey, keySize }
  }
  const curve = crv ?? 'P-256'
  const named = CURVES[curve]
  if (!named) throw new Error(`unsupported curve ${curve}`)
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: named })
  return { privateKey, crv: curve }
}

/** Imports a JWK with private parts (Key Vault's PUT /keys/{name}). */
export function importJwk(jwk: Record<string, unknown>): { privateKey: KeyObject; kty: KeyType; keySize?: number; crv?: string } {
  const kty = String(jwk['kty'] ?? '') as KeyType
  const base = isRsa(kty) ? 'RSA' : 'EC'
  const privateKey = createPrivateKey({ key: { ...jwk, kty: base } as unknown as import('node:crypto').JsonWebKey, format: 'jwk' })
  if (isRsa(kty)) return { privateKey, kty, keySize: privateKey.asymmetricKeyDetails?.modulusLength ?? 2048 }
  return { privateKey, kty, crv: String(jwk['crv'] ?? 'P-256') }
}

export function publicJwkOf(kv: KeyVersion): Record<string, unknown> {
  const jwk = createPublicKey(kv.privateKey).export({ format: 'jwk' })
  if (isRsa(kv.kty)) return { n: jwk.n, e: jwk.e }
  return { crv: kv.crv, x: jwk.x, y: jwk.y }
}

export function privateKeyPem(kv: KeyVersion): string {
  return kv.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
}

export function newVault(
  name: string,
  cloud: Cloud,
  tenantId: string,
  authorization: Authorization,
  softDeleteRetentionDays: number
): Vault {
  return {
    name: name.toLowerCase(),
    cloud,
    tenantId,
    authorization,
    softDeleteRetentionDays,
    subscriptionId: randomUUID(),
    resourceGroup: `rg-${name.toLowerCase()}`,
    location: 'eastus',
    keys: new Map(),
    secrets: new Map(),
    roleAssignments: [],
    accessPolicies: new Map(),
    firewall: { denyPublic: false },
    policies: new Set(),
    resource: {
      sku: 'standard',
      enabledForDiskEncryption: false,
      enablePurgeProtection: false,
      publicNetworkAccess: 'Enabled',
      networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
    }
  }
}
