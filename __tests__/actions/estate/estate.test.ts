/**
 * The estate action, run from its bundle against the local Azure's demo estate
 * (emulator/estate.ts): every VM's path and blockers, every disk's states, every KEK version
 * with safe-to-disable, the counts, fail-on both ways, probe: unwrap finding the secret that
 * no longer unwraps (debug on, leak scan), and no write of any kind.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { provisionDemoEstate, type DemoEstate } from '../../../emulator/estate.ts'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { errors, useWorld } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'estate', 'index.js')
let estate: DemoEstate

beforeAll(async () => {
  estate = await provisionDemoEstate(world.azure, { objectId: world.objectId })
}, 60_000)

/** A run of the estate bundle, debug on, checked for leaks (tokens, every BEK in the estate) before anything else. */
export async function runEstate(inputs: Record<string, string> = {}): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'subscription-ids': estate.subscriptionId, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    debug: true,
    timeoutMs: 60_000
  })
  expect(leaks(result, { plaintexts: estate.plaintexts, tokens: issuedTokens(world.azure) })).toEqual([])
  return result
}

/** Reads only: no PUT, PATCH or DELETE anywhere, and no POST but a vault's unwrapkey (the sign-in's token requests aside). */
function writes(): string[] {
  return world.azure.requests
    .filter(
      (r) =>
        r.method !== 'GET' &&
        !(r.method === 'POST' && (/\/unwrapkey$/i.test(r.path) || r.operation === 'token' || r.operation === 'idToken'))
    )
    .map((r) => `${r.method} ${r.host}${r.path}`)
}

const last = (id: string): string => id.slice(id.lastIndexOf('/') + 1)
type Row = Record<string, unknown>
const outputs = (result: RunActionResult) => ({
  vms: JSON.parse(result.outputs['vms']!) as Row[],
  disks: JSON.parse(result.outputs['disks']!) as Row[],
  keks: JSON.parse(result.outputs['kek-versions']!) as Row[]
})

/** name: [path, blockers] */
const PATHS_READ: Record<string, [string, string[]]> = {
  'vm-broken': ['windows-decrypt-then-copy', ['key-at-risk', 'size-without-encryption-at-host']],
  'vm-deallocated': ['windows-decrypt-then-copy', ['deallocated-state-unknown']],
  'vm-linux': ['linux-os-rebuild', []],
  'vm-plain': ['not-ade', []],
  'vm-plain-win': ['not-ade', []],
  'vm-stamped': ['linux-data-decrypt', ['stamped-not-encrypted']],
  'vm-windows-dual': ['dual-pass-upgrade-first', []],
  'vmss-web': ['vmss', []]
}

/** disk name: [kind, vm, role, lun, state, secret, kek, kek-facts, unwrap, at-risk] */
const DISKS_READ: Record<string, unknown[]> = {
  'disk-orphan': ['disk', null, null, null, 'unknown', 'ok', 'ok', [], 'not-probed', false],
  'snap-vm-linux-os': ['snapshot', null, null, null, 'unknown', 'ok', 'ok', [], 'not-probed', false],
  'vm-broken-data0': ['disk', 'vm-broken', 'data', 0, 'encrypted', 'ok', 'disabled', [], 'not-probed', true],
  'vm-broken-os': ['disk', 'vm-broken', 'os', null, 'encrypted', 'missing', 'ok', [], 'not-probed', true],
  'vm-deallocated-os': ['disk', 'vm-deallocated', 'os', null, 'unknown', 'ok', 'ok', ['expired'], 'not-probed', false],
  'vm-linux-data0': ['disk', 'vm-linux', 'data', 0, 'encrypted', 'ok', 'ok', [], 'not-probed', false],
  'vm-linux-data1': ['disk', 'vm-linux', 'data', 1, 'encrypted', 'ok', 'ok', [], 'not-probed', false],
  'vm-linux-os': ['disk', 'vm-linux', 'os', null, 'encrypted', 'ok', 'ok', [], 'not-probed', false],
  'vm-stamped-data0': ['disk', 'vm-stamped', 'data', 0, 'not-encrypted', 'ok', 'ok', [], 'not-probed', false],
  'vm-windows-dual-os': ['disk', 'vm-windows-dual', 'os', null, 'encrypted', 'ok', 'ok', [], 'not-probed', false]
}

const diskRow = (d: Row): unknown[] => [
  d['kind'],
  d['vm'] === null ? null : last(String(d['vm'])),
  d['role'],
  d['lun'],
  d['state'],
  d['secret'],
  d['kek'],
  d['kek-facts'],
  d['unwrap'],
  d['at-risk']
]

describe('estate', () => {
  test('the demo estate, exactly: paths, blockers, disk states, KEK versions, counts; nothing written', async () => {
    const result = await runEstate()
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('::debug::')
    const { vms, disks, keks } = outputs(result)

    expect(
      Object.fromEntries(vms.map((vm) => [vm['name'], [(vm['migration'] as Row)['path'], (vm['migration'] as Row)['blockers']]]))
    ).toEqual(PATHS_READ)
    expect(vms.find((vm) => vm['name'] === 'vm-linux')).toMatchObject({
      id: estate.ids['vm-linux'],
      kind: 'vm',
      'os-type': 'linux',
      ade: { pass: 'single', extension: 'AzureDiskEncryptionForLinux', version: '1.4' },
      'power-state': 'running',
      'encryption-at-host': false
    })
    expect(
      (vms.find((vm) => vm['name'] === 'vm-linux')!['disks'] as Row[]).map((d) => [last(String(d['id'])), d['role'], d['lun']])
    ).toEqual([
      ['vm-linux-os', 'os', null],
      ['vm-linux-data0', 'data', 0],
      ['vm-linux-data1', 'data', 1]
    ])
    expect(vms.find((vm) => vm['name'] === 'vm-windows-dual')).toMatchObject({
      'os-type': 'windows',
      ade: { pass: 'dual', extension: 'AzureDiskEncryption', version: '1.1' }
    })
    expect(vms.find((vm) => vm['name'] === 'vm-deallocated')).toMatchObject({
      'power-state': 'deallocated',
      ade: { pass: 'single', version: '2.2' }
    })
    expect(vms.find((vm) => vm['name'] === 'vm-plain-win')).toMatchObject({ ade: null, 'encryption-at-host': true, disks: [] })
    expect(vms.find((vm) => vm['name'] === 'vmss-web')).toMatchObject({
      kind: 'vmss',
      ade: { pass: 'single', extension: 'AzureDiskEncryptionForLinux', version: '1.4' }
    })

    expect(Object.fromEntries(disks.map((d) => [last(String(d['id'])), diskRow(d)]))).toEqual(DISKS_READ)
    expect(disks.find((d) => last(String(d['id'])) === 'vm-windows-dual-os')).toMatchObject({
      'secret-url': estate.secrets['vm-windows-dual'],
      'kek-url': estate.keks.v2,
      'managed-by': estate.ids['vm-windows-dual']
    })
    expect(disks.find((d) => last(String(d['id'])) === 'disk-orphan')!['managed-by']).toBeNull()

    const kekRows = Object.fromEntries(
      keks.map((k) => [k['kek-url'], [k['state'], k['facts'], k['disks'], k['vms'], k['safe-to-disable']]])
    )
    expect(kekRows).toEqual({
      [estate.keks.v1]: ['ok', [], 0, 0, true],
      // vm-broken-os counts: its settings still name v2, though its secret is gone.
      [estate.keks.v2]: ['ok', [], 8, 4, false],
      [estate.keks.expired]: ['ok', ['expired'], 1, 1, false],
      [estate.keks.disabled]: ['disabled', [], 1, 1, false]
    })

    expect(result.outputs['at-risk-count']).toBe('2')
    expect(result.outputs['unknown-count']).toBe('0')
    expect(result.outputs['ade-vm-count']).toBe('6')
    expect(result.outputs['ade-disk-count']).toBe('9')
    const today = new Date()
    const days = Math.round(
      (Date.UTC(2028, 8, 15) - Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())) / 86_400_000
    )
    expect(result.outputs['days-to-retirement']).toBe(String(days))

    // One read per distinct secret version and KEK version; every list paged; nothing written.
    const secretReads = world.azure.requests.filter((r) => r.operation === 'getSecret').map((r) => r.path.toLowerCase())
    expect(secretReads).toHaveLength(new Set(secretReads).size)
    expect(secretReads).toHaveLength(9)
    const keyReads = world.azure.requests.filter((r) => r.operation === 'getKey').map((r) => r.path.toLowerCase())
    expect(keyReads).toHaveLength(new Set(keyReads).size)
    expect(keyReads).toHaveLength(3)
    expect(world.azure.requests.filter((r) => r.operation === 'listVms').length).toBeGreaterThan(1)
    expect(world.azure.requests.filter((r) => r.operation === 'listDisks').length).toBeGreaterThan(1)
    expect(writes()).toEqual([])

    // The summary: the countdown, the at-risk disks with what to do, the KEK versions safe to disable.
    expect(result.summary).toContain(`${days} days</strong> until ADE's retirement on 2028-09-15`)
    const atRisk = result.summary.indexOf('Disks at risk')
    expect(result.summary.indexOf('vm-broken-os', atRisk)).toBeGreaterThan(atRisk)
    expect(result.summary).toContain(`az keyvault key set-attributes --id ${estate.keks.disabled} --enabled true`)
    expect(result.summary).toContain('azure-linux-extensions#2035')
    const safe = result.summary.indexOf('KEK versions safe to disable')
    expect(result.summary.indexOf(estate.keks.v1, safe)).toBeGreaterThan(safe)
    expect(result.summary.indexOf(estate.keks.v2, safe)).toBe(-1)
    // Every cell closed: the dual-pass VM has no blockers, the scale set no power state.
    expect(result.summary).not.toContain('<td></tr>')
    expect(result.summary).toMatch(/vm-windows-dual<\/td><td>dual<\/td><td>running<\/td><td>dual-pass-upgrade-first<\/td><td>none<\/td>/)
  })

  test('probe: unwrap finds the secret that no longer unwraps; one unwrap per secret version, nothing leaked', async () => {
    const result = await runEstate({ probe: 'unwrap' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    const { vms, disks } = outputs(result)
    const unwraps = Object.fromEntries(disks.map((d) => [last(String(d['id'])), [d['unwrap'], d['at-risk']]]))
    expect(unwraps).toEqual({
      'disk-orphan': ['ok', false],
      'snap-vm-linux-os': ['ok', false],
      'vm-broken-data0': ['not-probed', true],
      'vm-broken-os': ['not-probed', true],
      'vm-deallocated-os': ['ok', false],
      'vm-linux-data0': ['ok', false],
      'vm-linux-data1': ['failed', true],
      'vm-linux-os': ['ok', false],
      'vm-stamped-data0': ['ok', false],
      'vm-windows-dual-os': ['ok', false]
    })
    expect((vms.find((vm) => vm['name'] === 'vm-linux')!['migration'] as Row)['blockers']).toEqual(['key-at-risk'])
    expect(result.outputs['at-risk-count']).toBe('3')
    const unwrapPaths = world.azure.requests.filter((r) => r.operation === 'unwrapKey').map((r) => r.path)
    expect(unwrapPaths).toHaveLength(7)
    expect(writes()).toEqual([])
    expect(result.stdout).toMatch(/::warning::.*vm-linux-data1: at risk .*unwrap failed\)\. Key Vault does not unwrap the secret/)
  })

  test('fail-on: at-risk fails naming the disks, and still sets the counts; ade fails while ADE remains', async () => {
    const atRisk = await runEstate({ 'fail-on': 'at-risk' })
    expect(atRisk.exitCode).toBe(1)
    const [error, ...more] = errors(atRisk)
    expect(more).toEqual([])
    expect(error).toContain('2 disk(s) or snapshot(s) would not unlock at their next boot')
    expect(error).toContain(estate.ids['vm-broken-os'])
    expect(atRisk.outputs['at-risk-count']).toBe('2')
    expect(atRisk.outputs['ade-vm-count']).toBe('6')

    world.azure.clearLogs()
    const ade = await runEstate({ 'fail-on': 'ade', probe: 'none' })
    expect(ade.exitCode).toBe(1)
    expect(errors(ade)[0]).toContain('6 VM(s) and scale set(s), 9 disk(s) and 1 snapshot(s) still use ADE')
    // Resource Manager only: no vault request at all.
    expect(world.azure.requests.filter((r) => r.host.includes('.vault.'))).toEqual([])

    const never = await runEstate({ 'fail-on': 'never', 'resource-groups': 'no-such-group' })
    expect(never.exitCode).toBe(0)
    expect(never.outputs['ade-vm-count']).toBe('0')
    expect(JSON.parse(never.outputs['vms']!)).toEqual([])
  })

  test.each([
    [{ 'subscription-ids': 'not-a-guid' }, "::error::Input 'subscription-ids': 'not-a-guid' is not a subscription ID (a GUID)"],
    [{ probe: 'maybe' }, "::error::Input 'probe': 'maybe' is not allowed; use one of read, unwrap, none"],
    [{ 'fail-on': 'sometimes' }, "::error::Input 'fail-on': 'sometimes' is not allowed; use one of never, at-risk, ade"]
  ])('a bad input fails before any request, naming it: %j', async (inputs, expected) => {
    const result = await runEstate(inputs)
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expected])
    expect(world.azure.requests).toHaveLength(0)
  })
})
