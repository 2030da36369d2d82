/**
 * An ADE VM as Azure Backup saw it, for the restore-keys tests: a KEK and a wrapped BEK in a
 * source vault (wrapped the way ADE wraps, with the KEK's public key), an Azure Backup recovery
 * point of them, and optionally the loss that makes a restore necessary (both deleted and
 * purged). The plaintext is kept only to check that what is restored unlocks a disk.
 */
import { constants, createPublicKey, publicEncrypt, randomBytes, randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LocalAzure } from '../../../emulator/index.ts'

export const SOURCE = 'ade-source'

export interface BackedUpVm {
  readonly recoveryPointId: string
  readonly secretName: string
  readonly secretVersion: string
  readonly kekName: string
  readonly kekVersion: string
  readonly wrapped: string
  readonly plaintext: Buffer
  /** The recovery point's answer (keyAndSecret), as a config file would carry it. */
  readonly keyAndSecret: { kekDetails: Record<string, string>; bekDetails: Record<string, string> }
}

export interface VmOptions {
  readonly osType: 'Linux' | 'Windows'
  /** The plaintext (Windows: a .BEK file); Linux default: base64 of 127 random bytes, as ADE makes. */
  readonly plaintext?: Buffer
  readonly secretName?: string
  readonly algorithm?: 'RSA-OAEP' | 'RSA-OAEP-256'
  /** After the backup: delete and purge the KEK and the secret (true, the default), only soft-delete them ('soft'), or keep them (false). */
  readonly lost?: boolean | 'soft'
  /** false: a VM encrypted with a BEK alone (content type BEK, the key in base64), backed up without a KEK. */
  readonly kek?: boolean
  readonly keyUrlWithPort?: boolean
}

export async function backedUpVm(azure: LocalAzure, objectId: string, options: VmOptions): Promise<BackedUpVm> {
  const kv = azure.keyVault
  const kekName = `kek-${randomUUID().slice(0, 8)}`
  const secretName = options.secretName ?? randomUUID().toUpperCase()
  const key = await kv.createKey(SOURCE, kekName, { size: 2048 })
  const plaintext = options.plaintext ?? Buffer.from(randomBytes(127).toString('base64'))
  if (options.kek === false) return bekOnly(azure, objectId, { ...options, secretName, plaintext })
  const oaepHash = options.algorithm === 'RSA-OAEP-256' ? 'sha256' : 'sha1'
  const wrapped = publicEncrypt(
    { key: createPublicKey(key.privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
    plaintext
  ).toString('base64url')
  const { version: secretVersion } = kv.setSecret(SOURCE, secretName, {
    value: wrapped,
    contentType: 'Wrapped BEK',
    tags: {
      DiskEncryptionKeyFileName: options.osType === 'Linux' ? 'LinuxPassPhraseFileName' : `${secretName}.BEK`,
      DiskEncryptionKeyEncryptionAlgorithm: options.algorithm ?? 'RSA-OAEP',
      DiskEncryptionKeyEncryptionKeyURL: key.kid
    }
  })
  const vault = kv.vault(SOURCE)
  const recoveryPointId = azure.arm.recoveryPoints.add({
    subscriptionId: vault.subscriptionId,
    resourceGroup: 'rg-backup',
    vault: 'rsv-backup',
    vmName: `vm-${kekName}`,
    osType: options.osType,
    secret: { vault, name: secretName },
    kek: { vault, name: kekName },
    ...(options.keyUrlWithPort ? { keyUrlWithPort: true } : {})
  })
  azure.arm.recoveryPoints.grantBackupReader(recoveryPointId, objectId)
  const keyAndSecret = await readKeyAndSecret(azure, recoveryPointId)
  if (options.lost ?? true) {
    kv.deleteKey(SOURCE, kekName)
    kv.deleteSecret(SOURCE, secretName)
  }
  if (options.lost === undefined || options.lost === true) {
    kv.purgeKey(SOURCE, kekName)
    kv.purgeSecret(SOURCE, secretName)
  }
  return { recoveryPointId, secretName, secretVersion, kekName, kekVersion: key.version, wrapped, plaintext, keyAndSecret }
}

/** A VM whose BEK has no KEK: the secret holds the key in base64 (content type BEK), and Backup keeps the secret's own backup. */
async function bekOnly(
  azure: LocalAzure,
  objectId: string,
  options: VmOptions & { secretName: string; plaintext: Buffer }
): Promise<BackedUpVm> {
  const kv = azure.keyVault
  const value = options.plaintext.toString('base64')
  const { version: secretVersion } = kv.setSecret(SOURCE, options.secretName, {
    value,
    contentType: 'BEK',
    tags: { DiskEncryptionKeyFileName: options.osType === 'Linux' ? 'LinuxPassPhraseFileName' : `${options.secretName}.BEK` }
  })
  const vault = kv.vault(SOURCE)
  const recoveryPointId = azure.arm.recoveryPoints.add({
    subscriptionId: vault.subscriptionId,
    resourceGroup: 'rg-backup',
    vault: 'rsv-backup',
    vmName: `vm-${options.secretName.slice(0, 8)}`,
    osType: options.osType,
    secret: { vault, name: options.secretName }
  })
  azure.arm.recoveryPoints.grantBackupReader(recoveryPointId, objectId)
  const keyAndSecret = await readKeyAndSecret(azure, recoveryPointId)
  kv.deleteSecret(SOURCE, options.secretName)
  kv.purgeSecret(SOURCE, options.secretName)
  return {
    recoveryPointId,
    secretName: options.secretName,
    secretVersion,
    kekName: '',
    kekVersion: '',
    wrapped: value,
    plaintext: options.plaintext,
    keyAndSecret
  }
}

/** The recovery point's keyAndSecret, read straight from the stand-in (no request), as a reader the test grants. */
async function readKeyAndSecret(azure: LocalAzure, id: string): Promise<BackedUpVm['keyAndSecret']> {
  azure.arm.recoveryPoints.grantBackupReader(id, 'test-reader')
  const answer = azure.arm.recoveryPoints.handle('GET', id, 'test-reader')
  return (answer!.body as { properties: { keyAndSecret: BackedUpVm['keyAndSecret'] } }).properties.keyAndSecret
}

/** A vmencryption_config.json as a portal or PowerShell disk restore writes it, from a recovery point's keyAndSecret. */
export function writeConfigFile(dir: string, vm: BackedUpVm, change: (details: Record<string, unknown>) => void = () => undefined): string {
  const details: Record<string, unknown> = {
    KeyUrl: vm.keyAndSecret.kekDetails['keyUrl'],
    KeyBackupData: vm.keyAndSecret.kekDetails['keyBackupData'],
    KeyVaultResourceId: vm.keyAndSecret.kekDetails['keyVaultId'],
    SecretUrl: vm.keyAndSecret.bekDetails['secretUrl'],
    SecretData: vm.keyAndSecret.bekDetails['secretData'],
    SecretVaultResourceId: vm.keyAndSecret.bekDetails['secretVaultId']
  }
  change(details)
  const path = join(dir, `vmencryption_config-${randomUUID().slice(0, 8)}.json`)
  writeFileSync(path, JSON.stringify({ OsDiskKeyAndSecretDetails: details, DataDiskKeyAndSecretDetails: [] }, null, 2))
  return path
}
