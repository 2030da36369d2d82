/**
 * An estate whose disks output would pass GitHub's 1 MB limit for an output: that output is left
 * out with a warning naming report-file, never cut; the other outputs and the counts are set.
 */
import { beforeAll, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { ESTATE_GROUP, ESTATE_LOCATION, ESTATE_VAULT, provisionDemoEstate, type DemoEstate } from '../../../emulator/estate.ts'
import { runAction } from '../../../emulator/runner.ts'
import { errors, useWorld } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'estate', 'index.js')
const BULK = 2500
let estate: DemoEstate

beforeAll(async () => {
  estate = await provisionDemoEstate(world.azure, { objectId: world.objectId })
  const vaultId = `/subscriptions/${estate.subscriptionId}/resourceGroups/${ESTATE_GROUP}/providers/Microsoft.KeyVault/vaults/${ESTATE_VAULT}`
  const encryption = { secretUrl: estate.secrets['disk-orphan']!, secretVaultId: vaultId, keyUrl: estate.keks.v2, keyVaultId: vaultId }
  for (let i = 0; i < BULK; i++) {
    const name = `bulk-${String(i).padStart(4, '0')}`
    world.azure.arm.compute.disks.push({
      subscriptionId: estate.subscriptionId,
      resourceGroup: ESTATE_GROUP,
      name,
      location: ESTATE_LOCATION,
      encryption
    })
  }
  world.azure.arm.compute.pageSize = 1000
}, 60_000)

test('disks over 1 MB: left out with a warning naming report-file; vms, kek-versions and the counts set', async () => {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'subscription-ids': estate.subscriptionId, 'client-id': clientId!, 'tenant-id': tenantId! },
    timeoutMs: 60_000
  })
  expect(errors(result)).toEqual([])
  expect(result.exitCode).toBe(0)
  expect(result.outputs['disks']).toBeUndefined()
  expect(result.stdout).toMatch(
    /::warning::Output 'disks' left out: it is \d{7} bytes, over GitHub's limit of 1 MB for an output\..*report-file/
  )
  expect(JSON.parse(result.outputs['vms']!)).toHaveLength(8)
  expect(JSON.parse(result.outputs['kek-versions']!)).toHaveLength(4)
  expect(result.outputs['ade-disk-count']).toBe(String(9 + BULK))
  expect(result.outputs['at-risk-count']).toBe('2')
  // One read of the secret version all the bulk disks name.
  expect(world.azure.requests.filter((r) => r.operation === 'getSecret')).toHaveLength(9)
})
