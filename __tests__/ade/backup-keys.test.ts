// What Azure Backup keeps of a VM's keys, read as untrusted: every field checked and named by its path.
import { describe, expect, test } from '@jest/globals'
import { BackupFieldError, fromEncryptionConfig, fromRecoveryPoint } from '../../src/ade/backup-keys.ts'
import { findCloud } from '../../src/net/clouds.ts'

const cloud = findCloud('AzureCloud')!
const version = 'ab'.repeat(16)
const wrapped = Buffer.alloc(256, 7).toString('base64')
const backup = Buffer.from('&AzureKeyVaultKeyBackupV1.microsoft.com…').toString('base64')
const point = (kek: Record<string, unknown> | undefined, bek: Record<string, unknown>, osType: unknown = 'Windows') => ({
  properties: { objectType: 'IaasVMRecoveryPoint', osType, keyAndSecret: { ...(kek ? { kekDetails: kek } : {}), bekDetails: bek } }
})
const kek = { keyUrl: `https://kv-a.vault.azure.net:443/keys/kek/${version}`, keyVaultId: '/x', keyBackupData: backup }
const bek = { secretUrl: `https://kv-b.vault.azure.net/secrets/ABC-1/${version}`, secretVaultId: '/y', secretData: wrapped }
const fieldError = (f: () => unknown): string => {
  try {
    f()
  } catch (error) {
    if (error instanceof BackupFieldError) return error.message
    throw error
  }
  throw new Error('no BackupFieldError')
}

describe('a recovery point', () => {
  test('keyAndSecret with a KEK: the versions and vaults, the port dropped, the backup as bytes, the wrapped value as it is', () => {
    const keys = fromRecoveryPoint(point(kek, bek), cloud)
    expect(keys.osType).toBe('windows')
    expect(keys.kek).toMatchObject({ vaultName: 'kv-a', name: 'kek', version })
    expect(keys.kek!.backup.equals(Buffer.from(backup, 'base64'))).toBe(true)
    expect(keys.secret).toEqual({ vaultName: 'kv-b', name: 'ABC-1', version })
    expect(keys.wrappedValue).toBe(wrapped)
  })

  test("without kekDetails, secretData is the secret's own backup", () => {
    const keys = fromRecoveryPoint(point(undefined, { ...bek, secretData: backup }), cloud)
    expect(keys.kek).toBeUndefined()
    expect(keys.secretBackup!.equals(Buffer.from(backup, 'base64'))).toBe(true)
  })

  test.each([
    ['another port', point({ ...kek, keyUrl: `https://kv-a.vault.azure.net:8443/keys/kek/${version}` }, bek), 'kekDetails.keyUrl is not'],
    ['no version', point({ ...kek, keyUrl: 'https://kv-a.vault.azure.net/keys/kek' }, bek), 'kekDetails.keyUrl is not'],
    ['another cloud', point(kek, { ...bek, secretUrl: `https://kv-b.vault.azure.cn/secrets/s/${version}` }), 'bekDetails.secretUrl is not'],
    ['http', point(kek, { ...bek, secretUrl: `http://kv-b.vault.azure.net/secrets/s/${version}` }), 'bekDetails.secretUrl is not'],
    ['not base64', point({ ...kek, keyBackupData: 'not base64!' }, bek), 'kekDetails.keyBackupData is not base64'],
    ['a number', point({ ...kek, keyBackupData: 42 }, bek), 'keyBackupData is a number, not a string'],
    ['a short wrapped value', point(kek, { ...bek, secretData: 'AAAA' }), 'secretData is 3 bytes'],
    ['no keyAndSecret', { properties: { osType: 'Linux' } }, 'properties.keyAndSecret is missing'],
    ['another OS', point(kek, bek, 'Solaris'), 'properties.osType is neither Windows nor Linux'],
    ['a huge backup', point({ ...kek, keyBackupData: 'A'.repeat(600_000) }, bek), 'is 600000 characters long']
  ])('%s: refused, naming the field', (_what, answer, says) => {
    expect(fieldError(() => fromRecoveryPoint(answer, cloud))).toContain(says)
  })
})

describe('vmencryption_config.json', () => {
  const details = { SecretUrl: bek.secretUrl, SecretData: wrapped, KeyUrl: kek.keyUrl, KeyBackupData: backup }
  test('with a KEK, and with KeyVaultSecretBackupData alone', () => {
    expect(fromEncryptionConfig({ OsDiskKeyAndSecretDetails: details }, cloud).kek?.name).toBe('kek')
    const bekOnly = fromEncryptionConfig(
      { OsDiskKeyAndSecretDetails: { SecretUrl: bek.secretUrl, KeyVaultSecretBackupData: backup } },
      cloud
    )
    expect(bekOnly.secretBackup).toBeDefined()
    expect(bekOnly.osType).toBeUndefined()
  })

  test.each([
    ['a list', [], 'the file is not an object'],
    ['no details', {}, 'OsDiskKeyAndSecretDetails is missing'],
    ['no KeyBackupData', { OsDiskKeyAndSecretDetails: { ...details, KeyBackupData: undefined } }, 'KeyBackupData is missing'],
    ['a secret URL with a path', { OsDiskKeyAndSecretDetails: { ...details, SecretUrl: `${bek.secretUrl}/x` } }, 'SecretUrl is not']
  ])('%s: refused, naming the field', (_what, json, says) => {
    expect(fieldError(() => fromEncryptionConfig(json, cloud))).toContain(says)
  })
})
