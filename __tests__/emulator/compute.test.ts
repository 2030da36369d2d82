// The Compute stand-in: Microsoft's Compute REST examples (emulator/spec/compute/) replayed against
// it, the demo estate through the subscription lists with nextLink paging, the instance views,
// the SKU filter and the feature state, and a 403 naming the scope without Reader.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ESTATE_GROUP, provisionDemoEstate, type DemoEstate } from '../../emulator/estate.ts'
import { ASSERTION_TYPE, setup, type Fixture } from './helpers.ts'

const SPEC_DIR = fileURLToPath(new URL('../../emulator/spec/compute/examples/', import.meta.url))
const example = (file: string): Record<string, any> => JSON.parse(readFileSync(SPEC_DIR + file, 'utf8'))['responses']['200']['body']

/**
 * Fields the spec declares that these examples happen not to show: ADE's settings on a VM model
 * and a disk, encryption at host, a scale-set-free VM's extension list entries.
 */
const DECLARED_ELSEWHERE = [
  '$.properties.storageProfile.osDisk.encryptionSettings',
  '$.properties.securityProfile',
  '$.properties.encryptionSettingsCollection.encryptionSettingsVersion',
  '$.properties.osProfile.linuxConfiguration',
  '$.disks[].statuses[].message',
  // Free-form (the extension's own settings object).
  '$.resources[].properties.settings'
]

/** A list item's path is its resource's. */
const declared = (path: string): boolean => DECLARED_ELSEWHERE.includes(path.replace(/^\$\.value\[\]/, '$'))

/** Paths in `actual` that `expected` lacks at the same place (or has with another JSON type); arrays by their first item. */
function notInExample(expected: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v)
  if (declared(path)) return []
  if (kind(expected) !== kind(actual)) return [`${path}: ${kind(actual)} where the example has ${kind(expected)}`]
  if (Array.isArray(actual)) return actual.flatMap((item) => notInExample((expected as unknown[])[0], item, `${path}[]`))
  if (actual && typeof actual === 'object') {
    const e = expected as Record<string, unknown>
    return Object.entries(actual as Record<string, unknown>).flatMap(([k, v]) =>
      k in e ? notInExample(e[k], v, `${path}.${k}`) : declared(`${path}.${k}`) ? [] : [`${path}.${k}: not in the example`]
    )
  }
  return []
}

let f: Fixture
let estate: DemoEstate
let token: string
beforeAll(async () => {
  f = await setup({}, 'kv-compute')
  estate = await provisionDemoEstate(f.az, { objectId: f.objectId })
  const res = await f.token({
    grant_type: 'client_credentials',
    client_id: f.clientId,
    scope: 'https://management.azure.com/.default',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: f.az.github.mint()
  })
  token = res.json.access_token as string
}, 60_000)
afterAll(async () => {
  await f.close()
})

const get = (url: string, bearer = token) => f.http.request('GET', url, { headers: { authorization: `Bearer ${bearer}` } })
const arm = (path: string, apiVersion = '2024-07-01') =>
  get(`https://management.azure.com${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`)

/** Every page of a list, following nextLink. */
async function all(path: string, apiVersion = '2024-07-01'): Promise<{ items: Array<Record<string, any>>; pages: number }> {
  let res = await arm(path, apiVersion)
  const items: Array<Record<string, any>> = []
  let pages = 1
  for (;;) {
    expect(res.status).toBe(200)
    items.push(...res.json.value)
    if (!res.json.nextLink) return { items, pages }
    expect(res.json.nextLink).toMatch(/^https:\/\/management\.azure\.com\/subscriptions\/.*\$skiptoken=/)
    res = await get(res.json.nextLink)
    pages++
  }
}

const sub = () => `/subscriptions/${estate.subscriptionId}`

describe('Compute REST examples, replayed', () => {
  test("VirtualMachine_Get.json: a VM GET has only the example's fields, in its places", async () => {
    const res = await arm(`${sub()}/resourceGroups/${ESTATE_GROUP}/providers/Microsoft.Compute/virtualMachines/vm-windows-dual`)
    expect(res.status).toBe(200)
    expect(notInExample(example('VirtualMachine_Get.json'), res.json)).toEqual([])
    expect(res.json.properties.storageProfile.osDisk.encryptionSettings.diskEncryptionKey.secretUrl).toBe(estate.secrets['vm-windows-dual'])
  })

  test('VirtualMachine_Get_InstanceView.json: the instance view, with EncryptionState and PowerState statuses', async () => {
    const res = await arm(`${sub()}/resourceGroups/${ESTATE_GROUP}/providers/Microsoft.Compute/virtualMachines/vm-linux/instanceView`)
    expect(res.status).toBe(200)
    expect(notInExample(example('VirtualMachine_Get_InstanceView.json'), res.json)).toEqual([])
    expect(res.json.statuses.map((s: { code: string }) => s.code)).toContain('PowerState/running')
    expect(res.json.disks[2].statuses[1].code).toBe('EncryptionState/encrypted')
    expect(res.json.extensions[0]).toMatchObject({
      type: 'Microsoft.Azure.Security.AzureDiskEncryptionForLinux',
      typeHandlerVersion: '1.4'
    })
  })

  test('VirtualMachine_ListAll_MinimumSet_Gen.json: the list has its envelope and fields; each item a VM GET', async () => {
    const res = await arm(`${sub()}/providers/Microsoft.Compute/virtualMachines`)
    const expected = example('VirtualMachine_ListAll_MinimumSet_Gen.json')
    for (const item of res.json.value) {
      expect(Object.keys(expected.value[0]).every((k) => k in item)).toBe(true)
      expect(notInExample(example('VirtualMachine_Get.json'), item)).toEqual([])
    }
  })

  test("Disk_Get.json: a disk GET has only the example's fields", async () => {
    const res = await arm(`${sub()}/resourceGroups/${ESTATE_GROUP}/providers/Microsoft.Compute/disks/vm-linux-os`, '2024-03-02')
    expect(res.status).toBe(200)
    expect(notInExample(example('Disk_Get.json'), res.json)).toEqual([])
    expect(res.json.properties.encryptionSettingsCollection).toMatchObject({ enabled: true, encryptionSettingsVersion: '1.1' })
  })

  test('Disk_ListBySubscription.json: a page of disks, with a nextLink', async () => {
    const res = await arm(`${sub()}/providers/Microsoft.Compute/disks`, '2024-03-02')
    // The list example's disks lack fields its Get example has (managedBy, sku): each item is checked against both.
    const list = example('Disk_ListBySubscription.json')
    const get = example('Disk_Get.json')
    expect(
      notInExample(
        { ...list, value: [{ ...get, ...list.value[0], properties: { ...get.properties, ...list.value[0].properties } }] },
        res.json
      )
    ).toEqual([])
    expect(typeof res.json.nextLink).toBe('string')
  })
})

describe('the demo estate through the subscription lists', () => {
  test('every list is paged by nextLink and complete', async () => {
    const vms = await all(`${sub()}/providers/Microsoft.Compute/virtualMachines`)
    expect(vms.items.map((v) => v.name).sort()).toEqual(
      ['vm-broken', 'vm-deallocated', 'vm-linux', 'vm-plain', 'vm-plain-win', 'vm-stamped', 'vm-windows-dual'].sort()
    )
    expect(vms.pages).toBeGreaterThan(1)
    const disks = await all(`${sub()}/providers/Microsoft.Compute/disks`, '2024-03-02')
    expect(disks.items).toHaveLength(12)
    expect(disks.items.find((d) => d.name === 'disk-orphan')!['managedBy']).toBeUndefined()
    const snapshots = await all(`${sub()}/providers/Microsoft.Compute/snapshots`, '2024-03-02')
    expect(snapshots.items.map((s) => s.id)).toEqual([estate.ids['snap-vm-linux-os']])
    const scaleSets = await all(`${sub()}/providers/Microsoft.Compute/virtualMachineScaleSets`)
    expect(scaleSets.items[0].properties.virtualMachineProfile.extensionProfile.extensions[0].properties).toMatchObject({
      type: 'AzureDiskEncryptionForLinux',
      typeHandlerVersion: '1.4'
    })
  })

  test('statusOnly=true carries each instance view; a deallocated VM has no disks and no extensions', async () => {
    const { items } = await all(`${sub()}/providers/Microsoft.Compute/virtualMachines?statusOnly=true`)
    const view = (name: string) => items.find((v) => v.name === name)!['properties'].instanceView
    expect(view('vm-deallocated').statuses[1].code).toBe('PowerState/deallocated')
    expect(view('vm-deallocated').disks).toBeUndefined()
    expect(view('vm-deallocated').extensions).toBeUndefined()
    expect(view('vm-stamped').disks[1].statuses[1].code).toBe('EncryptionState/notEncrypted')
  })

  test("skus with $filter=location eq '…', and the EncryptionAtHost feature", async () => {
    const { items } = await all(
      `${sub()}/providers/Microsoft.Compute/skus?$filter=${encodeURIComponent("location eq 'eastus'")}`,
      '2021-07-01'
    )
    const supported = (name: string) =>
      items.find((s) => s.name === name)!['capabilities'].find((c: { name: string }) => c.name === 'EncryptionAtHostSupported').value
    expect(supported('Standard_D2s_v3')).toBe('True')
    expect(supported('Standard_A2_v2')).toBe('False')
    const bad = await arm(`${sub()}/providers/Microsoft.Compute/skus?$filter=${encodeURIComponent('name eq 1')}`, '2021-07-01')
    expect(bad.status).toBe(400)
    const feature = await arm(`${sub()}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost`, '2021-07-01')
    expect(feature.json).toMatchObject({ name: 'Microsoft.Compute/EncryptionAtHost', properties: { state: 'Registered' } })
  })

  test('without Reader on the subscription: 403 AuthorizationFailed naming the action and the scope', async () => {
    const other = f.az.entra.registerApp()
    const otherToken = f.az.entra.issueAccessToken(other.clientId, 'https://management.azure.com')
    const res = await get(`https://management.azure.com${sub()}/providers/Microsoft.Compute/disks?api-version=2024-03-02`, otherToken)
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('AuthorizationFailed')
    expect(res.json.error.message).toContain("'Microsoft.Compute/disks/read'")
    expect(res.json.error.message).toContain(`over scope '${sub()}'`)
  })
})
