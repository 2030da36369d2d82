// The Compute lists an estate is read through (Reader on the subscription is enough): virtual
// machines (models, and instance views with statusOnly=true), disks, snapshots, scale sets, the
// VM sizes of a location (Microsoft.Compute/skus with $filter) and the EncryptionAtHost feature,
// each paged by nextLink as Resource Manager pages them; GET of one disk or snapshot by ID.
import { jsonResponse, type ServiceResponse } from '../http-types.ts'
import {
  DISK_TYPE,
  type ManagedDisk,
  SNAPSHOT_TYPE,
  type ScaleSet,
  diskResource,
  featureResource,
  scaleSetResource,
  skuEntry
} from './compute-shapes.ts'
import { armError, authorizationFailed } from './vaults.ts'
import { type VirtualMachines, vmInstanceView, vmResource } from './virtual-machines.ts'

export type { EncryptionSettings, ManagedDisk, ScaleSet } from './compute-shapes.ts'

/** Who may list what: the Arm stand-in answers whether a caller has Reader on a subscription. */
export interface ComputeAccess {
  readonly subscriptionExists: (subscriptionId: string) => boolean
  readonly canRead: (oid: string, scope: string) => boolean
}

export class Compute {
  readonly disks: ManagedDisk[] = []
  readonly snapshots: ManagedDisk[] = []
  readonly scaleSets: ScaleSet[] = []
  /** VM sizes per location (lower case): name → EncryptionAtHostSupported. */
  readonly skus = new Map<string, Map<string, boolean>>()
  /** The EncryptionAtHost feature's state per subscription (lower case); NotRegistered when not set. */
  readonly features = new Map<string, string>()
  /** Items per page of every list; small, so that tests see nextLink paging. */
  pageSize = 3

  addSku(location: string, name: string, encryptionAtHost: boolean): void {
    const key = location.toLowerCase()
    this.skus.set(key, (this.skus.get(key) ?? new Map<string, boolean>()).set(name, encryptionAtHost))
  }

  setFeature(subscriptionId: string, state: 'Registered' | 'NotRegistered' | 'Pending' | 'Unregistered'): void {
    this.features.set(subscriptionId.toLowerCase(), state)
  }

  /** A GET under /subscriptions/{s}/providers/Microsoft.Compute/… or Microsoft.Features/…; undefined for other paths. */
  handle(
    req: { method: string; hostname: string; path: string; query: URLSearchParams },
    vms: VirtualMachines,
    access: ComputeAccess,
    oid: string
  ): ServiceResponse | undefined {
    if (req.method !== 'GET') return undefined
    const path = req.path.replace(/\/+$/, '')
    const one = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/(disks|snapshots)\/([^/]+)$/i.exec(path)
    if (one) return this.#getOne(one as unknown as string[], access, oid)
    const m =
      /^\/subscriptions\/([^/]+)\/providers\/(microsoft\.compute\/[a-z]+|microsoft\.features\/providers\/microsoft\.compute\/features\/encryptionathost)$/i.exec(
        path
      )
    if (!m) return undefined
    const sub = m[1]!.toLowerCase()
    const what = m[2]!.toLowerCase()
    if (!access.subscriptionExists(sub)) return armError(404, 'SubscriptionNotFound', `The subscription '${m[1]}' could not be found.`)
    const denied = (action: string) => authorizationFailed(oid, action, `/subscriptions/${m[1]}`)
    if (what.startsWith('microsoft.features')) {
      if (!access.canRead(oid, `/subscriptions/${sub}`)) return denied('Microsoft.Features/providers/features/read')
      return { ...jsonResponse(200, featureResource(m[1]!, this.features.get(sub) ?? 'NotRegistered')), operation: 'getFeature' }
    }
    const inSub = <T extends { subscriptionId: string }>(items: readonly T[]): T[] =>
      items.filter((i) => i.subscriptionId.toLowerCase() === sub)
    const lists: Record<string, { action: string; operation: string; items: () => unknown[] }> = {
      'microsoft.compute/virtualmachines': {
        action: 'Microsoft.Compute/virtualMachines/read',
        operation: req.query.get('statusOnly') === 'true' ? 'listVmInstanceViews' : 'listVms',
        items: () =>
          inSub(vms.vms).map((vm) => {
            const model = vmResource(vm)
            if (req.query.get('statusOnly') !== 'true') return model
            return { ...model, properties: { ...(model['properties'] as object), instanceView: vmInstanceView(vm) } }
          })
      },
      'microsoft.compute/disks': {
        action: 'Microsoft.Compute/disks/read',
        operation: 'listDisks',
        items: () => inSub(this.disks).map((d) => diskResource(d))
      },
      'microsoft.compute/snapshots': {
        action: 'Microsoft.Compute/snapshots/read',
        operation: 'listSnapshots',
        items: () => inSub(this.snapshots).map((s) => diskResource(s, SNAPSHOT_TYPE))
      },
      'microsoft.compute/virtualmachinescalesets': {
        action: 'Microsoft.Compute/virtualMachineScaleSets/read',
        operation: 'listScaleSets',
        items: () => inSub(this.scaleSets).map(scaleSetResource)
      },
      'microsoft.compute/skus': { action: 'Microsoft.Compute/skus/read', operation: 'listSkus', items: () => [] }
    }
    const list = lists[what]
    if (!list) return undefined
    if (!access.canRead(oid, `/subscriptions/${sub}`)) return denied(list.action)
    let items: unknown[]
    if (what === 'microsoft.compute/skus') {
      const filter = req.query.get('$filter')
      const location = filter === null ? undefined : /^\s*location\s+eq\s+'([^']+)'\s*$/i.exec(filter)?.[1]
      if (filter !== null && !location)
        return armError(400, 'InvalidFilter', `The $filter '${filter}' is not supported; use location eq '<location>'.`)
      const locations = location ? [location.toLowerCase()] : [...this.skus.keys()]
      items = locations.flatMap((l) => [...(this.skus.get(l) ?? new Map<string, boolean>())].map(([name, eah]) => skuEntry(l, name, eah)))
    } else {
      items = list.items()
    }
    return { ...this.#page(items, req), operation: list.operation }
  }

  #getOne([, sub = '', rg = '', kind = '', name = '']: string[], access: ComputeAccess, oid: string): ServiceResponse {
    const snapshot = kind.toLowerCase() === 'snapshots'
    const type = snapshot ? SNAPSHOT_TYPE : DISK_TYPE
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
    const found = (snapshot ? this.snapshots : this.disks).find(
      (d) => same(d.subscriptionId, sub) && same(d.resourceGroup, rg) && same(d.name, name)
    )
    const scope = `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`
    if (!access.canRead(oid, scope)) return authorizationFailed(oid, `${type}/read`, scope)
    if (!found) return armError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${rg}' was not found.`)
    return { ...jsonResponse(200, diskResource(found, type)), operation: snapshot ? 'getSnapshot' : 'getDisk' }
  }

  /** One page from `$skiptoken` (an offset here; opaque to clients), with a nextLink when more follow. */
  #page(items: unknown[], req: { hostname: string; path: string; query: URLSearchParams }): ServiceResponse {
    const start = Number(req.query.get('$skiptoken') ?? 0) || 0
    const value = items.slice(start, start + this.pageSize)
    if (start + this.pageSize >= items.length) return jsonResponse(200, { value })
    const next = new URLSearchParams(req.query)
    next.delete('$skiptoken')
    // As Resource Manager writes it: `$skiptoken` unescaped, after the request's own parameters.
    const link = `https://${req.hostname}${req.path}?${next.toString()}&$skiptoken=${start + this.pageSize}`
    return jsonResponse(200, { value, nextLink: link })
  }
}
