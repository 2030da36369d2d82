/**
 * Resource Manager's Compute answers, checked and reduced to what the estate judges: where
 * ADE's settings are (a disk's encryptionSettingsCollection, a dual-pass VM's model), which
 * disks a VM has at which LUN, and what its instance view says. An item whose id is not a
 * resource of the subscription listed is refused, naming the list: outputs are built from ids.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { untrusted } from '../../runner/untrusted.ts'

export interface AdeSettings {
  readonly secretUrl: string
  readonly kekUrl?: string
}

export interface AdeExtension {
  /** AzureDiskEncryption or AzureDiskEncryptionForLinux. */
  readonly type: string
  readonly version?: string
}

export interface VmRecord {
  readonly id: string
  readonly name: string
  readonly resourceGroup: string
  readonly location: string
  readonly osType?: 'linux' | 'windows'
  readonly vmSize?: string
  readonly encryptionAtHost: boolean
  readonly osDisk: { readonly id: string; readonly name: string }
  readonly dataDisks: ReadonlyArray<{ readonly lun: number; readonly id: string; readonly name: string }>
  /** Dual pass: the settings on the model. */
  readonly modelSettings?: AdeSettings
  readonly extension?: AdeExtension
}

export interface InstanceView {
  readonly powerState?: string
  /** EncryptionState per disk name (lower case). */
  readonly diskStates: ReadonlyMap<string, 'encrypted' | 'not-encrypted'>
  /** The guest reported disks or extensions (a deallocated VM's view has neither). */
  readonly guestState: boolean
  readonly extension?: AdeExtension
}

export interface DiskRecord {
  readonly id: string
  readonly name: string
  readonly resourceGroup: string
  readonly kind: 'disk' | 'snapshot'
  readonly managedBy?: string
  readonly settings?: AdeSettings
}

export interface ScaleSetRecord {
  readonly id: string
  readonly name: string
  readonly resourceGroup: string
  readonly location: string
  readonly osType?: 'linux' | 'windows'
  readonly vmSize?: string
  readonly extension?: AdeExtension
}

type Json = Record<string, unknown>
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {})
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const ADE_TYPES = ['AzureDiskEncryption', 'AzureDiskEncryptionForLinux']

/** The checked id of an item of `list` in `subscriptionId`, and its resource group. */
function resourceOf(item: unknown, subscriptionId: string, list: string): { id: string; name: string; resourceGroup: string } {
  const id = str(obj(item)['id'])
  const match = id && /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(id)
  if (!id || !match || match[1]!.toLowerCase() !== subscriptionId) {
    throw new ActionableError(
      `Azure Resource Manager answered the list of ${list} in subscription ${subscriptionId} with the id '${untrusted(id ?? '', 200)}', which is not one of its resources; refusing to use it.`
    )
  }
  return { id, name: match[3]!, resourceGroup: match[2]! }
}

const osTypeOf = (v: unknown): 'linux' | 'windows' | undefined => {
  const text = str(v)?.toLowerCase()
  return text === 'linux' || text === 'windows' ? text : undefined
}

/** ADE's settings as a disk's collection or a VM model carries them: only when enabled and naming a secret. */
function settingsOf(entry: unknown): AdeSettings | undefined {
  const secretUrl = str(obj(obj(entry)['diskEncryptionKey'])['secretUrl'])
  if (!secretUrl) return undefined
  const kekUrl = str(obj(obj(entry)['keyEncryptionKey'])['keyUrl'])
  return kekUrl ? { secretUrl, kekUrl } : { secretUrl }
}

/** The disk-encryption extension among a model's or a scale set's extensions. */
function adeExtension(extensions: unknown[]): AdeExtension | undefined {
  for (const e of extensions) {
    const p = obj(obj(e)['properties'])
    const type = str(p['type'])
    if (type && ADE_TYPES.includes(type))
      return { type, ...(str(p['typeHandlerVersion']) ? { version: str(p['typeHandlerVersion'])! } : {}) }
  }
  return undefined
}

export function parseVm(item: unknown, subscriptionId: string): VmRecord {
  const { id, name, resourceGroup } = resourceOf(item, subscriptionId, 'virtual machines')
  const p = obj(obj(item)['properties'])
  const storage = obj(p['storageProfile'])
  const os = obj(storage['osDisk'])
  const osDiskId = str(obj(os['managedDisk'])['id']) ?? `${id}/osDisk`
  const modelEncryption = obj(os['encryptionSettings'])
  const modelSettings = modelEncryption['enabled'] === true ? settingsOf(modelEncryption) : undefined
  const extension = adeExtension(arr(obj(item)['resources']))
  return {
    id,
    name,
    resourceGroup,
    location: str(obj(item)['location']) ?? '',
    ...(osTypeOf(os['osType']) ? { osType: osTypeOf(os['osType'])! } : {}),
    ...(str(obj(p['hardwareProfile'])['vmSize']) ? { vmSize: str(obj(p['hardwareProfile'])['vmSize'])! } : {}),
    encryptionAtHost: obj(p['securityProfile'])['encryptionAtHost'] === true,
    osDisk: { id: osDiskId, name: str(os['name']) ?? osDiskId.slice(osDiskId.lastIndexOf('/') + 1) },
    dataDisks: arr(storage['dataDisks']).flatMap((d) => {
      const lun = obj(d)['lun']
      const diskId = str(obj(obj(d)['managedDisk'])['id'])
      if (typeof lun !== 'number' || !diskId) return []
      return [{ lun, id: diskId, name: str(obj(d)['name']) ?? diskId.slice(diskId.lastIndexOf('/') + 1) }]
    }),
    ...(modelSettings ? { modelSettings } : {}),
    ...(extension ? { extension } : {})
  }
}

/** The instance view of a statusOnly=true list item, by VM id (lower case). */
export function parseInstanceView(item: unknown, subscriptionId: string): [string, InstanceView] {
  const { id } = resourceOf(item, subscriptionId, 'virtual machine instance views')
  const view = obj(obj(obj(item)['properties'])['instanceView'])
  const codes = (statuses: unknown): string[] => arr(statuses).flatMap((s) => str(obj(s)['code']) ?? [])
  const power = codes(view['statuses']).find((c) => c.startsWith('PowerState/'))
  const diskStates = new Map<string, 'encrypted' | 'not-encrypted'>()
  for (const disk of arr(view['disks'])) {
    const name = str(obj(disk)['name'])
    const state = codes(obj(disk)['statuses']).find((c) => c.startsWith('EncryptionState/'))
    if (!name || !state) continue
    if (state === 'EncryptionState/encrypted') diskStates.set(name.toLowerCase(), 'encrypted')
    else if (state === 'EncryptionState/notEncrypted') diskStates.set(name.toLowerCase(), 'not-encrypted')
  }
  // The instance view names an extension `<publisher>.<type>`.
  const extensions = arr(view['extensions']).map((e) => ({
    properties: {
      type: str(obj(e)['type'])?.replace(/^Microsoft\.Azure\.Security\./, ''),
      typeHandlerVersion: obj(e)['typeHandlerVersion']
    }
  }))
  const extension = adeExtension(extensions)
  return [
    id.toLowerCase(),
    {
      ...(power ? { powerState: power.slice('PowerState/'.length) } : {}),
      diskStates,
      guestState: arr(view['disks']).length > 0 || arr(view['extensions']).length > 0,
      ...(extension ? { extension } : {})
    }
  ]
}

export function parseDisk(item: unknown, subscriptionId: string, kind: 'disk' | 'snapshot'): DiskRecord {
  const { id, name, resourceGroup } = resourceOf(item, subscriptionId, kind === 'disk' ? 'disks' : 'snapshots')
  const collection = obj(obj(obj(item)['properties'])['encryptionSettingsCollection'])
  const settings = collection['enabled'] === true ? settingsOf(arr(collection['encryptionSettings'])[0]) : undefined
  const managedBy = str(obj(item)['managedBy'])
  return { id, name, resourceGroup, kind, ...(managedBy ? { managedBy } : {}), ...(settings ? { settings } : {}) }
}

export function parseScaleSet(item: unknown, subscriptionId: string): ScaleSetRecord {
  const { id, name, resourceGroup } = resourceOf(item, subscriptionId, 'scale sets')
  const profile = obj(obj(obj(item)['properties'])['virtualMachineProfile'])
  const extension = adeExtension(arr(obj(profile['extensionProfile'])['extensions']))
  const osType = osTypeOf(obj(obj(profile['storageProfile'])['osDisk'])['osType'])
  const vmSize = str(obj(obj(item)['sku'])['name'])
  return {
    id,
    name,
    resourceGroup,
    location: str(obj(item)['location']) ?? '',
    ...(osType ? { osType } : {}),
    ...(vmSize ? { vmSize } : {}),
    ...(extension ? { extension } : {})
  }
}

/** EncryptionAtHostSupported per VM size (lower case) from a skus list. */
export function parseSkus(items: unknown[]): Map<string, boolean> {
  const sizes = new Map<string, boolean>()
  for (const item of items) {
    const sku = obj(item)
    const name = str(sku['name'])
    if (!name || sku['resourceType'] !== 'virtualMachines') continue
    const capability = arr(sku['capabilities']).find((c) => obj(c)['name'] === 'EncryptionAtHostSupported')
    sizes.set(name.toLowerCase(), String(obj(capability)['value']).toLowerCase() === 'true')
  }
  return sizes
}

export const featureStateOf = (answer: unknown): string => str(obj(obj(answer)['properties'])['state']) ?? 'Unknown'
