/**
 * The estate action when part of the estate refuses: a second subscription where the identity
 * has no Reader, and a disk whose keys are in a vault it may not read. Each is reported with its
 * scope and the role it needs, counted as unknown (a gate fails on it), and the rest is read.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ESTATE_GROUP, ESTATE_LOCATION, provisionDemoEstate, type DemoEstate } from '../../../emulator/estate.ts'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { errors, useWorld } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'estate', 'index.js')
const LOCKED = 'ade-locked'
const OTHER_SUBSCRIPTION = randomUUID()
let estate: DemoEstate

beforeAll(async () => {
  estate = await provisionDemoEstate(world.azure, { objectId: world.objectId })
  // A subscription the identity has no role in, with a VM in it.
  world.azure.arm.subscriptions.push({ subscriptionId: OTHER_SUBSCRIPTION, displayName: 'Other', tenantId: world.tenantId })
  world.azure.arm.virtualMachines.add({
    subscriptionId: OTHER_SUBSCRIPTION,
    resourceGroup: 'rg-other',
    name: 'vm-other',
    location: ESTATE_LOCATION,
    osType: 'Linux'
  })
  // A disk in the readable subscription whose secret and KEK are in a vault the identity has no role on.
  const kv = world.azure.keyVault
  kv.createVault(LOCKED)
  const kek = await kv.createKey(LOCKED, 'kek', { size: 2048 })
  const secret = kv.setSecret(LOCKED, 'bek', {
    value: 'AAAA',
    contentType: 'Wrapped BEK',
    tags: { DiskEncryptionKeyEncryptionKeyURL: kek.kid }
  })
  const vaultId = `/subscriptions/${estate.subscriptionId}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${LOCKED}`
  world.azure.arm.compute.disks.push({
    subscriptionId: estate.subscriptionId,
    resourceGroup: ESTATE_GROUP,
    name: 'disk-locked',
    location: ESTATE_LOCATION,
    encryption: { secretUrl: secret.id, secretVaultId: vaultId, keyUrl: kek.kid, keyVaultId: vaultId }
  })
}, 60_000)

async function runEstate(inputs: Record<string, string>): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: {
      'subscription-ids': `${estate.subscriptionId}\n${OTHER_SUBSCRIPTION}`,
      'client-id': clientId!,
      'tenant-id': tenantId!,
      ...inputs
    },
    debug: true,
    timeoutMs: 60_000
  })
  expect(leaks(result, { plaintexts: estate.plaintexts, tokens: issuedTokens(world.azure) })).toEqual([])
  return result
}

describe('estate: a 403 is reported per item', () => {
  test('an unreadable subscription and an unreadable vault: named with the role each needs; the rest is read', async () => {
    const result = await runEstate({})
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    const warnings = result.stdout.split('\n').filter((line) => line.startsWith('::warning::'))
    expect(warnings.some((w) => w.includes(`Subscription ${OTHER_SUBSCRIPTION} could not be read`) && w.includes('--role Reader'))).toBe(
      true
    )
    expect(warnings.some((w) => w.includes(`https://${LOCKED}.vault.azure.net`) && w.includes("'Key Vault Secrets User'"))).toBe(true)
    expect(
      warnings.some((w) => w.includes(`https://${LOCKED}.vault.azure.net`) && w.includes("'Key Vault Crypto Service Encryption User'"))
    ).toBe(true)

    const disks = JSON.parse(result.outputs['disks']!) as Array<Record<string, unknown>>
    expect(disks.find((d) => String(d['id']).endsWith('/disk-locked'))).toMatchObject({
      secret: 'no-access',
      kek: 'no-access',
      'at-risk': false
    })
    // The rest of the estate, read as without them.
    expect(result.outputs['ade-vm-count']).toBe('6')
    expect(result.outputs['ade-disk-count']).toBe('10')
    expect(result.outputs['at-risk-count']).toBe('2')
    expect(result.outputs['unknown-count']).toBe('2')
    expect(result.summary).toContain(`/subscriptions/${OTHER_SUBSCRIPTION}`)
    expect(result.summary).toContain('Key Vault Secrets User')
  })

  test('fail-on: at-risk fails on what could not be read, not only on what is at risk', async () => {
    const result = await runEstate({ 'fail-on': 'at-risk', 'resource-groups': 'no-such-group' })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['at-risk-count']).toBe('0')
    expect(result.outputs['unknown-count']).toBe('1')
    expect(errors(result)[0]).toContain(
      '0 disk(s) or snapshot(s) would not unlock at their next boot, attach or restore, and 1 item(s) could not be read'
    )
  })

  test('Resource Manager throttling past the retries fails the step, naming the subscription and what to do', async () => {
    world.azure.faults.add({
      host: 'management.azure.com',
      path: /\/providers\/Microsoft\.Compute\/disks$/i,
      times: 20,
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: { code: 'TooManyRequests', message: 'The request is being throttled.' } }
    })
    const result = await runEstate({ 'subscription-ids': estate.subscriptionId })
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toContain(`Reading subscription ${estate.subscriptionId} failed: Azure Resource Manager said 429 TooManyRequests`)
    expect(error).toContain('lower max-parallel, or split the subscriptions over jobs')
  })
})
