/**
 * One subscription's estate through Resource Manager's list calls (Reader is enough): VM
 * models and instance views, disks, snapshots, scale sets, the EncryptionAtHost feature, then
 * the VM sizes of each location in use. Not Resource Graph: its query language cannot be
 * checked against a stand-in, and the lists need nothing more than Reader.
 */
import type { ArmClient } from '../../arm/client.ts'
import { type ArmPacer, listAll } from '../../arm/list.ts'
import {
  type DiskRecord,
  type InstanceView,
  type ScaleSetRecord,
  type VmRecord,
  featureStateOf,
  parseDisk,
  parseInstanceView,
  parseScaleSet,
  parseSkus,
  parseVm
} from './parse.ts'

const COMPUTE_API = '2024-07-01'
const DISK_API = '2024-03-02'
const SKU_API = '2021-07-01'
const FEATURE_API = '2021-07-01'
/** A region name, as it may go into a $filter: answers are not trusted to be one. */
const LOCATION = /^[a-z0-9][a-z0-9 -]{0,63}$/

export interface SubscriptionEstate {
  readonly subscriptionId: string
  readonly vms: readonly VmRecord[]
  /** By VM id, lower case. */
  readonly views: ReadonlyMap<string, InstanceView>
  readonly disks: readonly DiskRecord[]
  readonly snapshots: readonly DiskRecord[]
  readonly scaleSets: readonly ScaleSetRecord[]
  /** The Microsoft.Compute/EncryptionAtHost feature's state (Registered, NotRegistered, …). */
  readonly featureState: string
  /** EncryptionAtHostSupported by location, then VM size (both lower case). */
  readonly sizes: ReadonlyMap<string, ReadonlyMap<string, boolean>>
}

/** `groups`: only these resource groups (lower case); a group the subscription lacks simply matches nothing. */
export async function readSubscription(
  client: ArmClient,
  pacer: ArmPacer,
  subscriptionId: string,
  groups: ReadonlySet<string> | undefined
): Promise<SubscriptionEstate> {
  const base = `/subscriptions/${subscriptionId}/providers`
  const list = (path: string, apiVersion: string): Promise<unknown[]> =>
    listAll(client, pacer, subscriptionId, `${base}${path}`, apiVersion)
  const [vmItems, viewItems, diskItems, snapshotItems, scaleSetItems, feature] = await Promise.all([
    list('/Microsoft.Compute/virtualMachines', COMPUTE_API),
    list('/Microsoft.Compute/virtualMachines?statusOnly=true', COMPUTE_API),
    list('/Microsoft.Compute/disks', DISK_API),
    list('/Microsoft.Compute/snapshots', DISK_API),
    list('/Microsoft.Compute/virtualMachineScaleSets', COMPUTE_API),
    pacer.send(subscriptionId, () =>
      client.get<unknown>(`${base}/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost`, FEATURE_API)
    )
  ])
  const wanted = <T extends { resourceGroup: string }>(items: T[]): T[] =>
    groups ? items.filter((item) => groups.has(item.resourceGroup.toLowerCase())) : items
  const vms = wanted(vmItems.map((item) => parseVm(item, subscriptionId)))
  const scaleSets = wanted(scaleSetItems.map((item) => parseScaleSet(item, subscriptionId)))
  const locations = [...new Set([...vms, ...scaleSets].map((r) => r.location.toLowerCase()).filter((l) => LOCATION.test(l)))].sort()
  const sizes = new Map(
    await Promise.all(
      locations.map(async (location): Promise<[string, ReadonlyMap<string, boolean>]> => {
        const filter = encodeURIComponent(`location eq '${location}'`)
        return [location, parseSkus(await list(`/Microsoft.Compute/skus?$filter=${filter}`, SKU_API))]
      })
    )
  )
  return {
    subscriptionId,
    vms,
    views: new Map(viewItems.map((item) => parseInstanceView(item, subscriptionId))),
    disks: wanted(diskItems.map((item) => parseDisk(item, subscriptionId, 'disk'))),
    snapshots: wanted(snapshotItems.map((item) => parseDisk(item, subscriptionId, 'snapshot'))),
    scaleSets,
    featureState: featureStateOf(feature),
    sizes
  }
}
