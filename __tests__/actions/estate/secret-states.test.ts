/**
 * The secret and KEK states the demo estate does not show, each on one unattached disk: a
 * secret tagged with another KEK version than its disk names (kek-mismatch), one that is not a
 * wrapped BEK, a disabled secret version, a KEK version without unwrapKey in its key_ops, and
 * the legacy Linux dual-pass secret (no content type, no KEK tag), which ADE accepts.
 */
import { beforeAll, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { ESTATE_GROUP, ESTATE_LOCATION, ESTATE_VAULT, provisionDemoEstate, type DemoEstate } from '../../../emulator/estate.ts'
import { runAction } from '../../../emulator/runner.ts'
import { errors, useWorld } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'estate', 'index.js')
let estate: DemoEstate
const WRAPPED = 'A'.repeat(342) // base64url of one RSA-2048 block

beforeAll(async () => {
  estate = await provisionDemoEstate(world.azure, { objectId: world.objectId })
  const kv = world.azure.keyVault
  const vaultId = `/subscriptions/${estate.subscriptionId}/resourceGroups/${ESTATE_GROUP}/providers/Microsoft.KeyVault/vaults/${ESTATE_VAULT}`
  const noUnwrap = await kv.createKey(ESTATE_VAULT, 'kek-wrap-only', { size: 2048, keyOps: ['wrapKey'] })
  const tags = (kek: string) => ({ DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP', DiskEncryptionKeyEncryptionKeyURL: kek })
  const disk = (
    name: string,
    secret: { value: string; contentType?: string; tags?: Record<string, string>; enabled?: boolean },
    kek: string
  ) => {
    const { id } = kv.setSecret(ESTATE_VAULT, `bek-${name}`, secret)
    world.azure.arm.compute.disks.push({
      subscriptionId: estate.subscriptionId,
      resourceGroup: ESTATE_GROUP,
      name,
      location: ESTATE_LOCATION,
      encryption: { secretUrl: id, secretVaultId: vaultId, keyUrl: kek, keyVaultId: vaultId }
    })
  }
  disk('disk-mismatch', { value: WRAPPED, contentType: 'Wrapped BEK', tags: tags(estate.keks.expired) }, estate.keks.v2)
  disk('disk-not-bek', { value: 'not base64!', contentType: 'text/plain', tags: tags(estate.keks.v2) }, estate.keks.v2)
  disk('disk-secret-off', { value: WRAPPED, contentType: 'Wrapped BEK', tags: tags(estate.keks.v2), enabled: false }, estate.keks.v2)
  disk('disk-no-unwrap', { value: WRAPPED, contentType: 'Wrapped BEK', tags: tags(noUnwrap.kid) }, noUnwrap.kid)
  // A disk whose vault was deleted: its host no longer resolves.
  const gone = {
    secretUrl: `https://ade-gone.vault.azure.net/secrets/bek/${'1'.repeat(32)}`,
    keyUrl: `https://ade-gone.vault.azure.net/keys/kek/${'2'.repeat(32)}`
  }
  world.azure.arm.compute.disks.push({
    subscriptionId: estate.subscriptionId,
    resourceGroup: ESTATE_GROUP,
    name: 'disk-vault-gone',
    location: ESTATE_LOCATION,
    encryption: { ...gone, secretVaultId: vaultId.replace(ESTATE_VAULT, 'ade-gone') }
  })
  disk('disk-legacy', { value: WRAPPED, tags: { DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP' } }, estate.keks.v2)
}, 60_000)

test('kek-mismatch, not-a-wrapped-bek, disabled, no-unwrap, a deleted vault at risk; the legacy Linux secret accepted', async () => {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'subscription-ids': estate.subscriptionId, 'client-id': clientId!, 'tenant-id': tenantId! },
    timeoutMs: 60_000
  })
  expect(errors(result)).toEqual([])
  const disks = JSON.parse(result.outputs['disks']!) as Array<Record<string, unknown>>
  const row = (name: string) => {
    const d = disks.find((x) => String(x['id']).endsWith(`/${name}`))!
    return [d['secret'], d['kek'], d['at-risk']]
  }
  expect(row('disk-mismatch')).toEqual(['kek-mismatch', 'ok', true])
  expect(row('disk-not-bek')).toEqual(['not-a-wrapped-bek', 'ok', true])
  expect(row('disk-secret-off')).toEqual(['disabled', 'ok', true])
  expect(row('disk-no-unwrap')).toEqual(['ok', 'no-unwrap', true])
  expect(row('disk-legacy')).toEqual(['ok', 'ok', false])
  expect(row('disk-vault-gone')).toEqual(['missing', 'missing', true])
  expect(result.outputs['at-risk-count']).toBe('7')
  expect(result.summary).toContain('--ops wrapKey unwrapKey')
})
