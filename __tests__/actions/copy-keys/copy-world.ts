/**
 * What copy-keys' e2e tests share: a source vault with access policies (premium, an RSA-HSM KEK,
 * eastus), an RBAC-only premium target in westus and an RBAC-only standard one, BEKs seeded as
 * ADE stores them (wrapped locally with the source KEK's public key, their bytes remembered), and
 * a run of the copy-keys bundle with debug on, leak-scanned.
 */
import { expect } from '@jest/globals'
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import type { World } from '../world.ts'

export const ENTRY = join(process.cwd(), 'dist', 'copy-keys', 'index.js')
export const SOURCE = 'bek-src'
export const SOURCE_KEK = 'src-kek'
export const TARGET = 'bek-dr'
export const STANDARD = 'bek-dr-std'
export const TARGET_KEK = 'dr-kek'

export type Algorithm = 'RSA-OAEP' | 'RSA-OAEP-256' | 'RSA1_5'

export class CopyWorld {
  readonly world: World
  readonly plaintext = new Map<string, Buffer>()
  /** Private keys of source KEK versions, by version: the stand-in gives only the current one's. */
  readonly pems = new Map<string, string>()
  sourceKekVersion = ''

  constructor(world: World) {
    this.world = world
  }

  async provision(): Promise<void> {
    const kv = this.world.azure.keyVault
    kv.createVault(SOURCE, { authorization: 'accessPolicy', sku: 'premium', location: 'eastus', enabledForDiskEncryption: true })
    kv.setAccessPolicy(SOURCE, this.world.objectId, { keys: ['get', 'unwrapKey'], secrets: ['get'] })
    await this.rotateSourceKek()
    for (const [name, sku] of [
      [TARGET, 'premium'],
      [STANDARD, 'standard']
    ] as const) {
      kv.createVault(name, { sku, location: 'westus', enabledForDiskEncryption: true, enablePurgeProtection: true })
      kv.grant(name, this.world.objectId, 'Key Vault Crypto Officer')
      kv.grant(name, this.world.objectId, 'Key Vault Secrets Officer')
      kv.grant(name, this.world.objectId, 'Reader')
    }
  }

  /** A new version of the source KEK (the first one too); returns it. */
  async rotateSourceKek(): Promise<string> {
    const key = await this.world.azure.keyVault.createKey(SOURCE, SOURCE_KEK, { kty: 'RSA-HSM', size: 3072 })
    this.pems.set(key.version, key.privateKeyPem)
    this.sourceKekVersion = key.version
    return key.version
  }

  sourceKid(version = this.sourceKekVersion): string {
    return `https://${SOURCE}.vault.azure.net/keys/${SOURCE_KEK}/${version}`
  }

  /** A BEK as ADE stores it in the source vault, wrapped with the current source KEK version. */
  seed(
    name: string,
    options: { bytes?: Buffer; fileName?: string; algorithm?: Algorithm | 'none'; extraTags?: Record<string, string> } = {}
  ): Buffer {
    const bytes = options.bytes ?? randomBytes(32)
    const algorithm = options.algorithm === 'none' || options.algorithm === undefined ? 'RSA-OAEP' : options.algorithm
    const value = publicEncrypt({ key: createPublicKey(this.pems.get(this.sourceKekVersion)!), ...padding(algorithm) }, bytes).toString(
      'base64url'
    )
    this.plaintext.set(name, bytes)
    this.world.azure.keyVault.setSecret(SOURCE, name, {
      value,
      contentType: 'Wrapped BEK',
      tags: {
        DiskEncryptionKeyFileName: options.fileName ?? 'LinuxPassPhraseFileName',
        ...(options.algorithm === 'none' ? {} : { DiskEncryptionKeyEncryptionAlgorithm: algorithm }),
        DiskEncryptionKeyEncryptionKeyURL: this.sourceKid(),
        ...options.extraTags
      }
    })
    return bytes
  }

  /** A vault's resource ID, as Resource Manager spells it. */
  vaultId(name: string): string {
    const v = this.world.azure.keyVault.vault(name)
    return `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`
  }

  secretUrl(name: string): string {
    return `https://${SOURCE}.vault.azure.net/secrets/${name}`
  }

  /** A run of the copy-keys bundle, debug on, leak-scanned for every BEK's bytes, token and wrapped value. */
  async copy(inputs: Record<string, string>): Promise<RunActionResult> {
    const { 'client-id': clientId, 'tenant-id': tenantId } = this.world.inputs
    const result = await runAction({
      localAzure: this.world.azure,
      entry: ENTRY,
      inputs: { 'client-id': clientId!, 'tenant-id': tenantId!, 'target-key-vault': TARGET, ...inputs },
      debug: true,
      timeoutMs: 120_000
    })
    if (result.exitCode === 0) expect(result.stdout).toContain('::debug::')
    const names = [...this.plaintext.keys()]
    const wrapped = names.flatMap((name) => [
      ...this.world.versions(name, SOURCE).map((v) => v.value),
      ...(this.world.azure.keyVault.getSecretVersions(TARGET, name) as Array<{ value: string }>).map((v) => v.value)
    ])
    expect(leaks(result, { plaintexts: [...this.plaintext.values()], tokens: issuedTokens(this.world.azure), wrapped })).toEqual([])
    return result
  }

  /** Decrypts a target value with the target KEK's private key, outside the vault. */
  unwrapTarget(value: string, algorithm: string, vault = TARGET): Buffer {
    const pem = this.world.azure.keyVault.getKey(vault, TARGET_KEK)!.privateKeyPem
    return privateDecrypt({ key: createPrivateKey(pem), ...padding(algorithm as Algorithm) }, Buffer.from(value, 'base64url'))
  }
}

function padding(algorithm: Algorithm): { padding: number; oaepHash?: string } {
  if (algorithm === 'RSA1_5') return { padding: constants.RSA_PKCS1_PADDING }
  return { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSA-OAEP-256' ? 'sha256' : 'sha1' }
}
