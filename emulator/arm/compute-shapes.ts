// Compute resources as Resource Manager answers them, in the shapes of the Compute REST examples
// (emulator/spec/compute/: Disk_Get.json, Disk_ListBySubscription.json) and the spec's definitions
// of Snapshot, VirtualMachineScaleSet, ResourceSku and the Features API's FeatureResult.

/** ADE's settings for one disk: the secret version (the wrapped BEK) and, optionally, the KEK version. */
export interface EncryptionSettings {
  readonly secretUrl: string
  readonly secretVaultId: string
  readonly keyUrl?: string
  readonly keyVaultId?: string
}

export interface ManagedDisk {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly name: string
  readonly location: string
  readonly osType?: 'Linux' | 'Windows'
  /** The VM it is attached to (its resource ID). */
  readonly managedBy?: string
  /** Single pass: ADE's settings on the disk (encryptionSettingsCollection), version 1.1. */
  readonly encryption?: EncryptionSettings
}

export interface ScaleSet {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly name: string
  readonly location: string
  readonly osType: 'Linux' | 'Windows'
  readonly vmSize: string
  readonly extensions: ReadonlyArray<{ name: string; publisher: string; type: string; typeHandlerVersion: string }>
}

export const DISK_TYPE = 'Microsoft.Compute/disks'
export const SNAPSHOT_TYPE = 'Microsoft.Compute/snapshots'
export const VMSS_TYPE = 'Microsoft.Compute/virtualMachineScaleSets'

export const resourceId = (r: { subscriptionId: string; resourceGroup: string; name: string }, type: string): string =>
  `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/${type}/${r.name}`

/** `{diskEncryptionKey, keyEncryptionKey}` as the VM model's and the disk's settings carry them. */
export function encryptionSettingsBody(s: EncryptionSettings): Record<string, unknown> {
  return {
    diskEncryptionKey: { sourceVault: { id: s.secretVaultId }, secretUrl: s.secretUrl },
    ...(s.keyUrl ? { keyEncryptionKey: { sourceVault: { id: s.keyVaultId ?? s.secretVaultId }, keyUrl: s.keyUrl } } : {})
  }
}

const CREATED = '2026-01-05T08:00:00.0000000+00:00'

/** A disk (or a snapshot, with `type`), Disk_Get.json's shape. */
export function diskResource(d: ManagedDisk, type = DISK_TYPE): Record<string, unknown> {
  return {
    ...(d.managedBy && type === DISK_TYPE ? { managedBy: d.managedBy } : {}),
    sku: { name: 'Premium_LRS' },
    properties: {
      ...(d.osType ? { osType: d.osType } : {}),
      hyperVGeneration: 'V1',
      creationData: { createOption: d.osType ? 'FromImage' : 'Empty' },
      diskSizeGB: 30,
      ...(d.encryption
        ? {
            encryptionSettingsCollection: {
              enabled: true,
              encryptionSettings: [encryptionSettingsBody(d.encryption)],
              encryptionSettingsVersion: '1.1'
            }
          }
        : {}),
      encryption: { type: 'EncryptionAtRestWithPlatformKey' },
      timeCreated: CREATED,
      provisioningState: 'Succeeded'
    },
    type,
    location: d.location,
    tags: {},
    id: resourceId(d, type),
    name: d.name
  }
}

/** A scale set with its extension profile (where ADE's extension is), spec definition VirtualMachineScaleSet. */
export function scaleSetResource(s: ScaleSet): Record<string, unknown> {
  return {
    id: resourceId(s, VMSS_TYPE),
    name: s.name,
    type: VMSS_TYPE,
    location: s.location,
    sku: { name: s.vmSize, tier: 'Standard', capacity: 2 },
    properties: {
      upgradePolicy: { mode: 'Manual' },
      virtualMachineProfile: {
        storageProfile: { osDisk: { osType: s.osType, createOption: 'FromImage', caching: 'ReadWrite' } },
        extensionProfile: {
          extensions: s.extensions.map((e) => ({
            name: e.name,
            properties: { publisher: e.publisher, type: e.type, typeHandlerVersion: e.typeHandlerVersion, settings: {} }
          }))
        }
      },
      provisioningState: 'Succeeded'
    }
  }
}

/** One VM size of Microsoft.Compute/skus in one location (ResourceSku). */
export function skuEntry(location: string, name: string, encryptionAtHost: boolean): Record<string, unknown> {
  return {
    resourceType: 'virtualMachines',
    name,
    tier: 'Standard',
    size: name.replace(/^Standard_/, ''),
    family: 'standardFamily',
    locations: [location],
    locationInfo: [{ location, zones: [], zoneDetails: [] }],
    capabilities: [
      { name: 'vCPUs', value: '2' },
      { name: 'EncryptionAtHostSupported', value: encryptionAtHost ? 'True' : 'False' }
    ],
    restrictions: []
  }
}

/** GET .../providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost (FeatureResult). */
export function featureResource(subscriptionId: string, state: string): Record<string, unknown> {
  return {
    properties: { state },
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost`,
    type: 'Microsoft.Features/providers/features',
    name: 'Microsoft.Compute/EncryptionAtHost'
  }
}
