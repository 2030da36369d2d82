/**
 * Issue 22 with subscription-id: each copied entry carries the target vault IDs, encryption-settings
 * and Site Recovery's A2A disk-encryption-info, and the job summary the replication snippets;
 * create-kek reads the target's tier through Resource Manager first, so a standard vault is
 * refused before any key is created, in a dry run too.
 */
import { beforeAll, expect, test } from '@jest/globals'
import { errors, useWorld } from '../world.ts'
import { CopyWorld, STANDARD, TARGET, TARGET_KEK } from './copy-world.ts'

const world = useWorld()
const c = new CopyWorld(world)

beforeAll(async () => {
  await c.provision()
  c.seed('os-1')
  c.seed('data-1', { algorithm: 'RSA-OAEP-256' })
})

const subscription = (): string => world.azure.keyVault.vault(TARGET).subscriptionId
const armOps = (): string[] => world.azure.requests.filter((r) => r.host.startsWith('management.')).map((r) => r.operation ?? r.method)

test('copied entries carry the vault IDs, encryption-settings and disk-encryption-info; the summary the replication snippets', async () => {
  const result = await c.copy({
    'secret-url': `${c.secretUrl('os-1')}\n${c.secretUrl('data-1')}`,
    'target-kek-name': TARGET_KEK,
    'create-kek': 'true',
    'subscription-id': subscription(),
    location: 'westus'
  })
  expect(errors(result)).toEqual([])
  const id = c.vaultId(TARGET)
  const copied = JSON.parse(result.outputs['copied']!) as Array<Record<string, unknown>>
  expect(copied).toHaveLength(2)
  for (const entry of copied) {
    expect(entry['key-vault-id']).toBe(id)
    expect(entry['kek-vault-id']).toBe(id)
    expect(entry['disk-encryption-info']).toEqual({
      diskEncryptionKeyInfo: { secretIdentifier: entry['secret-url'], keyVaultResourceArmId: id },
      keyEncryptionKeyInfo: { keyIdentifier: entry['kek-url'], keyVaultResourceArmId: id }
    })
    expect(JSON.parse(entry['encryption-settings'] as string)).toEqual({
      diskEncryptionKey: { secretUrl: entry['secret-url'], sourceVault: { id } },
      keyEncryptionKey: { keyUrl: entry['kek-url'], sourceVault: { id } }
    })
  }
  expect(result.summary).toContain('New-AzRecoveryServicesAsrAzureToAzureDiskReplicationConfig')
  expect(result.summary).toContain(`-DiskEncryptionSecretUrl &#39;${copied[0]!['secret-url'] as string}&#39;`)
  expect(result.summary).toContain('keyVaultResourceArmId')
  expect(armOps()).toContain('getVault')
  expect(result.stdout).not.toMatch(/No subscription-id/)
})

test.each([['a real run'], ['a dry run']])(
  'create-kek on a standard vault: refused from its tier in Resource Manager, before any key create (%s)',
  async (run) => {
    const result = await c.copy({
      'secret-url': c.secretUrl('os-1'),
      'target-key-vault': STANDARD,
      'target-kek-name': TARGET_KEK,
      'create-kek': 'true',
      'subscription-id': subscription(),
      'dry-run': run === 'a dry run' ? 'true' : 'false'
    })
    expect(result.exitCode).not.toBe(0)
    expect(errors(result).join('\n')).toMatch(/bek-dr-std is a standard vault \(Resource Manager\).*never replaced by a software one/)
    expect(world.azure.requests.filter((r) => r.operation === 'createKey')).toEqual([])
    expect(world.azure.keyVault.getKey(STANDARD, TARGET_KEK)).toBeUndefined()
  }
)
