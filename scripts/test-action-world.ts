/**
 * What ci.yml's test-action job needs beyond the root action's vault, so that every action of the
 * repository runs there as `uses: ./<dir>`: the right to rotate the KEK (the job's `run:` step
 * rotates it, as a workflow would before `./rewrap`), the estate action's demo estate with Reader on
 * its subscription, and an Azure Backup recovery point whose keys were lost (for `./restore-keys`).
 * Then what the job's check compares those actions' outputs with.
 */
import { constants, createHash, createPrivateKey, privateDecrypt, randomBytes } from 'node:crypto'
import type { LocalAzure } from '../emulator/index.ts'
import type { BekVault } from '../emulator/provision.ts'
import { provisionDemoEstate } from '../emulator/estate.ts'
import { storeWrappedBek } from '../emulator/wrapped-bek.ts'

export const RESTORE_VAULT = 'bek-ci-restore'
/** copy-keys' target: a vault in another region, with its own KEK. */
export const DR_VAULT = 'bek-ci-dr'
const DR_KEK = 'dr-kek'
const VM_KEK = 'vm-kek'
const VM_BEK = 'vm-bek'

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const unwrap = (pem: string, value: string): Buffer =>
  privateDecrypt(
    { key: createPrivateKey(pem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(value, 'base64url')
  )

export interface LifeCycleDump {
  /** The root action's KEK versions, oldest first (two after the job's rotation). */
  keks: string[]
  /** Every secret version of the root action's vault, by name then creation. */
  secrets: Array<{ id: string; contentType?: string; tags: Record<string, string>; enabled: boolean; keySha256: string }>
  /** The backed-up VM's key, and what its vault holds after restore-keys. */
  restore: { keySha256: string; secrets: Array<{ id: string; keySha256: string }>; keks: string[] }
  /** What the disaster-recovery vault holds after copy-keys, each unwrapped with the KEK version its tag names. */
  copies: Array<{ id: string; kekUrl: string; keySha256: string }>
}

/** The job's extra world; returns the stand-ins' extra outputs and a dump of the state, for `check`. */
export async function provisionLifeCycle(azure: LocalAzure, bek: BekVault) {
  // The job's run: step rotates the KEK with this identity's federated token (keys/rotate/action).
  azure.keyVault.grant(bek.vault, bek.objectId, 'Key Vault Crypto Officer')
  const estate = await provisionDemoEstate(azure, { objectId: bek.objectId })

  // A VM's keys as Azure Backup took them (wrapped as ADE wraps, with the KEK's public key), then lost.
  const kv = azure.keyVault
  kv.createVault(RESTORE_VAULT, { enabledForDiskEncryption: true })
  for (const role of ['Key Vault Crypto Officer', 'Key Vault Secrets Officer', 'Reader'] as const)
    kv.grant(RESTORE_VAULT, bek.objectId, role)
  const kek = await kv.createKey(RESTORE_VAULT, VM_KEK, { size: 2048 })
  const key = Buffer.from(randomBytes(127).toString('base64'))
  const keySha256 = sha256(key)
  storeWrappedBek(kv, RESTORE_VAULT, VM_BEK, kek, key)
  key.fill(0)
  const vault = kv.vault(RESTORE_VAULT)
  const recoveryPointId = azure.arm.recoveryPoints.add({
    subscriptionId: vault.subscriptionId,
    resourceGroup: 'rg-backup',
    vault: 'rsv-ci',
    vmName: 'vm-ci',
    osType: 'Linux',
    secret: { vault, name: VM_BEK },
    kek: { vault, name: VM_KEK }
  })
  azure.arm.recoveryPoints.grantBackupReader(recoveryPointId, bek.objectId)
  kv.deleteSecret(RESTORE_VAULT, VM_BEK)
  kv.purgeSecret(RESTORE_VAULT, VM_BEK)
  kv.deleteKey(RESTORE_VAULT, VM_KEK)
  kv.purgeKey(RESTORE_VAULT, VM_KEK)

  // The disaster-recovery region: copy-keys copies the root action's BEK there, wrapped with its KEK.
  kv.createVault(DR_VAULT, { enabledForDiskEncryption: true, location: 'westus2' })
  for (const role of ['Key Vault Crypto Service Encryption User', 'Key Vault Secrets Officer'] as const)
    kv.grant(DR_VAULT, bek.objectId, role)
  await kv.createKey(DR_VAULT, DR_KEK, { size: 3072 })

  const outputs = {
    'subscription-id': estate.subscriptionId,
    'recovery-point-id': recoveryPointId,
    'dr-key-vault': DR_VAULT,
    'dr-kek-name': DR_KEK
  }
  const dump = (): LifeCycleDump => {
    const keks = kv.getKeyVersions(bek.vault, bek.kek) as Array<{ kid: string; privateKeyPem: string }>
    const pemOf = (versions: Array<{ kid: string; privateKeyPem: string }>, kid: string) =>
      versions.find((k) => k.kid === kid)?.privateKeyPem
    const secrets = kv.secretNames(bek.vault).flatMap((name) =>
      kv.getSecretVersions(bek.vault, name).map((s: any) => {
        // What a disk would be unlocked with: the stored value unwrapped by the KEK version its tag names.
        const pem = pemOf(keks, s.tags?.DiskEncryptionKeyEncryptionKeyURL)
        return {
          id: String(s.id),
          contentType: s.contentType,
          tags: s.tags ?? {},
          enabled: s.attributes?.enabled === true,
          keySha256: pem ? sha256(unwrap(pem, s.value)) : 'no KEK version of that URL'
        }
      })
    )
    const restoredKeks = (kv.getKeyVersions(RESTORE_VAULT, VM_KEK) ?? []) as Array<{ kid: string; privateKeyPem: string }>
    const restored = (kv.getSecretVersions(RESTORE_VAULT, VM_BEK) ?? []).map((s: any) => {
      const pem = pemOf(restoredKeks, s.tags?.DiskEncryptionKeyEncryptionKeyURL)
      return { id: String(s.id), keySha256: pem ? sha256(unwrap(pem, s.value)) : 'no KEK version of that URL' }
    })
    const drKeks = (kv.getKeyVersions(DR_VAULT, DR_KEK) ?? []) as Array<{ kid: string; privateKeyPem: string }>
    const copies = kv.secretNames(DR_VAULT).flatMap((name) =>
      kv.getSecretVersions(DR_VAULT, name).map((s: any) => {
        const kekUrl = String(s.tags?.DiskEncryptionKeyEncryptionKeyURL ?? '')
        const pem = pemOf(drKeks, kekUrl)
        return { id: String(s.id), kekUrl, keySha256: pem ? sha256(unwrap(pem, s.value)) : 'no KEK version of that URL' }
      })
    )
    return {
      keks: keks.map((k) => k.kid),
      secrets,
      restore: { keySha256, secrets: restored, keks: restoredKeks.map((k) => k.kid) },
      copies
    }
  }
  return { outputs, dump }
}
