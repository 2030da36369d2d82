/**
 * The demo estate for the estate action, in one call (`npm run emulator` and the tests start
 * here): in one subscription and resource group, ADE VMs in every situation the estate action
 * reports, their disks and a snapshot, a scale set, the VM sizes and the EncryptionAtHost
 * feature; in one vault, their wrapped BEKs (wrapped with the KEKs' public keys, as ADE's
 * extension does), a rotated-away KEK version, a disabled one and an expired one. The identity
 * `objectId` gets Reader on the subscription and, on the vault, what the action needs.
 */
import { randomBytes } from 'node:crypto'
import type { LocalAzure } from './index.ts'
import { DISK_TYPE, type EncryptionSettings, resourceId } from './arm/compute-shapes.ts'
import { VM_TYPE } from './arm/virtual-machines.ts'
import { storeWrappedBek } from './wrapped-bek.ts'

export const ESTATE_VAULT = 'ade-estate'
export const ESTATE_GROUP = 'rg-estate'
export const ESTATE_LOCATION = 'eastus'
const ADE = 'Microsoft.Azure.Security'

export interface DemoEstate {
  readonly subscriptionId: string
  readonly vaultUrl: string
  /** KEK version URLs: ade-kek v1 (rotated away, unused), v2 (current), kek-expired v1, kek-off v1 (disabled). */
  readonly keks: { readonly v1: string; readonly v2: string; readonly expired: string; readonly disabled: string }
  /** Resource IDs by name (VMs, disks, the snapshot, the scale set). */
  readonly ids: Readonly<Record<string, string>>
  /** Secret version URLs by the disk (or dual-pass VM) whose settings name them. */
  readonly secrets: Readonly<Record<string, string>>
  /** The BEKs the wrapped values hold, for leak scans. */
  readonly plaintexts: readonly Buffer[]
}

export async function provisionDemoEstate(azure: LocalAzure, options: { objectId: string }): Promise<DemoEstate> {
  const kv = azure.keyVault
  const subscriptionId = kv.subscriptionId.toLowerCase()
  if (!azure.arm.subscriptions.some((s) => s.subscriptionId === subscriptionId)) {
    azure.arm.subscriptions.push({ subscriptionId, displayName: 'Estate', tenantId: azure.entra.tenantId })
  }
  const { url } = kv.createVault(ESTATE_VAULT, { resourceGroup: ESTATE_GROUP, location: ESTATE_LOCATION, enabledForDiskEncryption: true })
  const vaultUrl = url.replace(/\/$/, '')
  const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/${ESTATE_GROUP}/providers/Microsoft.KeyVault/vaults/${ESTATE_VAULT}`
  const day = 86_400_000
  const v1 = await kv.createKey(ESTATE_VAULT, 'ade-kek', { size: 2048 })
  const v2 = await kv.createKey(ESTATE_VAULT, 'ade-kek', { size: 2048 })
  const expired = await kv.createKey(ESTATE_VAULT, 'kek-expired', { size: 2048, exp: new Date(Date.now() - day) })
  const disabled = await kv.createKey(ESTATE_VAULT, 'kek-off', { size: 2048 })
  kv.updateKey(ESTATE_VAULT, 'kek-off', { enabled: false })

  const plaintexts: Buffer[] = []
  const secrets: Record<string, string> = {}
  /** A wrapped BEK as ADE stores it, tagged with `tagKek`; wrapped with `wrapKek` (the same unless it should not unwrap). */
  const bek = (name: string, tagKek: { kid: string; privateKeyPem: string }, wrapKek = tagKek): EncryptionSettings => {
    const key = randomBytes(64)
    plaintexts.push(key)
    const { id } = storeWrappedBek(kv, ESTATE_VAULT, `bek-${name}`, wrapKek, key, tagKek.kid)
    secrets[name] = id
    return { secretUrl: id, secretVaultId: vaultId, keyUrl: tagKek.kid, keyVaultId: vaultId }
  }

  const ids: Record<string, string> = {}
  const at = { subscriptionId, resourceGroup: ESTATE_GROUP, location: ESTATE_LOCATION }
  const disk = (name: string, osType?: 'Linux' | 'Windows', managedBy?: string, encryption?: EncryptionSettings): string => {
    azure.arm.compute.disks.push({
      ...at,
      name,
      ...(osType ? { osType } : {}),
      ...(managedBy ? { managedBy } : {}),
      ...(encryption ? { encryption } : {})
    })
    ids[name] = resourceId({ ...at, name }, DISK_TYPE)
    return ids[name]
  }
  const vmIdOf = (name: string): string => resourceId({ ...at, name }, VM_TYPE)
  const extension = (linux: boolean, version: string) => ({
    name: linux ? 'AzureDiskEncryptionForLinux' : 'AzureDiskEncryption',
    publisher: ADE,
    type: linux ? 'AzureDiskEncryptionForLinux' : 'AzureDiskEncryption',
    typeHandlerVersion: version,
    settings: { EncryptionOperation: 'EnableEncryption', VolumeType: 'All' }
  })
  const addVm = (vm: Omit<Parameters<LocalAzure['arm']['virtualMachines']['add']>[0], 'subscriptionId' | 'resourceGroup' | 'location'>) => {
    ids[vm.name] = azure.arm.virtualMachines.add({ ...at, ...vm })
  }

  // Single-pass Linux: OS disk and two data disks encrypted; data1's secret was wrapped with
  // the old KEK version while its tag and the disk name the new one: it reads fine, it does not unwrap.
  const linux = vmIdOf('vm-linux')
  const linuxOs = bek('vm-linux-os', v2)
  addVm({
    name: 'vm-linux',
    osType: 'Linux',
    osDiskId: disk('vm-linux-os', 'Linux', linux, linuxOs),
    dataDisks: [
      { lun: 0, id: disk('vm-linux-data0', undefined, linux, bek('vm-linux-data0', v2)) },
      { lun: 1, id: disk('vm-linux-data1', undefined, linux, bek('vm-linux-data1', v2, v1)) }
    ],
    extensions: [extension(true, '1.4')],
    diskEncryption: { 'vm-linux-os': 'encrypted', 'vm-linux-data0': 'encrypted', 'vm-linux-data1': 'encrypted' }
  })
  azure.arm.compute.snapshots.push({ ...at, name: 'snap-vm-linux-os', osType: 'Linux', encryption: linuxOs })
  ids['snap-vm-linux-os'] = resourceId({ ...at, name: 'snap-vm-linux-os' }, 'Microsoft.Compute/snapshots')

  // Dual pass (Windows, extension 1.1): the settings are on the VM model, not on the disk.
  addVm({
    name: 'vm-windows-dual',
    osType: 'Windows',
    vmSize: 'Standard_DS3_v2',
    osDiskId: disk('vm-windows-dual-os', 'Windows', vmIdOf('vm-windows-dual')),
    osEncryptionSettings: bek('vm-windows-dual', v2),
    extensions: [extension(false, '1.1')],
    diskEncryption: { 'vm-windows-dual-os': 'encrypted' }
  })

  // Deallocated, single-pass Windows, its KEK version expired (Key Vault still unwraps with it).
  addVm({
    name: 'vm-deallocated',
    osType: 'Windows',
    osDiskId: disk('vm-deallocated-os', 'Windows', vmIdOf('vm-deallocated'), bek('vm-deallocated-os', expired)),
    extensions: [extension(false, '2.2')],
    powerState: 'deallocated'
  })

  // Linux, a data disk stamped but not encrypted (the guest says so).
  addVm({
    name: 'vm-stamped',
    osType: 'Linux',
    osDiskId: disk('vm-stamped-os', 'Linux', vmIdOf('vm-stamped')),
    dataDisks: [{ lun: 0, id: disk('vm-stamped-data0', undefined, vmIdOf('vm-stamped'), bek('vm-stamped-data0', v2)) }],
    extensions: [extension(true, '1.4')],
    diskEncryption: { 'vm-stamped-data0': 'notEncrypted' }
  })

  // Windows on a size without encryption at host; the OS disk's secret is gone, the data disk's KEK version disabled.
  const brokenOs = bek('vm-broken-os', v2)
  kv.deleteSecret(ESTATE_VAULT, 'bek-vm-broken-os')
  kv.purgeSecret(ESTATE_VAULT, 'bek-vm-broken-os')
  addVm({
    name: 'vm-broken',
    osType: 'Windows',
    vmSize: 'Standard_A2_v2',
    osDiskId: disk('vm-broken-os', 'Windows', vmIdOf('vm-broken'), brokenOs),
    dataDisks: [{ lun: 0, id: disk('vm-broken-data0', undefined, vmIdOf('vm-broken'), bek('vm-broken-data0', disabled)) }],
    extensions: [extension(false, '2.2')],
    diskEncryption: { 'vm-broken-os': 'encrypted', 'vm-broken-data0': 'encrypted' }
  })

  // Without ADE: one already on encryption at host.
  addVm({ name: 'vm-plain', osType: 'Linux', osDiskId: disk('vm-plain-os', 'Linux', vmIdOf('vm-plain')) })
  addVm({
    name: 'vm-plain-win',
    osType: 'Windows',
    encryptionAtHost: true,
    osDiskId: disk('vm-plain-win-os', 'Windows', vmIdOf('vm-plain-win'))
  })

  // An ADE data disk attached to nothing, and a scale set with ADE.
  disk('disk-orphan', undefined, undefined, bek('disk-orphan', v2))
  azure.arm.compute.scaleSets.push({
    ...at,
    name: 'vmss-web',
    osType: 'Linux',
    vmSize: 'Standard_D2s_v3',
    extensions: [extension(true, '1.4')]
  })
  ids['vmss-web'] = resourceId({ ...at, name: 'vmss-web' }, 'Microsoft.Compute/virtualMachineScaleSets')

  for (const [size, supported] of [
    ['Standard_D2s_v3', true],
    ['Standard_DS3_v2', true],
    ['Standard_A2_v2', false]
  ] as const) {
    azure.arm.compute.addSku(ESTATE_LOCATION, size, supported)
  }
  azure.arm.compute.setFeature(subscriptionId, 'Registered')

  azure.arm.grantReader(options.objectId, `/subscriptions/${subscriptionId}`)
  kv.grant(ESTATE_VAULT, options.objectId, 'Key Vault Secrets User')
  kv.grant(ESTATE_VAULT, options.objectId, 'Key Vault Crypto Service Encryption User')
  return {
    subscriptionId,
    vaultUrl,
    keks: { v1: v1.kid, v2: v2.kid, expired: expired.kid, disabled: disabled.kid },
    ids,
    secrets,
    plaintexts
  }
}
