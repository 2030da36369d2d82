// Virtual machines as Azure Resource Manager shows them: for `az vm encryption enable`
// (azure-cli 2.45, vm/disk_encryption.py) the VM GET, the disk-encryption extension PUT, and
// its polling (the extension GET, with `$expand=instanceView`), which answers `Succeeded` once
// the PUT has been polled; every PUT is kept, so tests can read the settings a client sent. For
// the estate, the model's disks, size, dual-pass settings and encryption at host, and the
// instance view (GET .../instanceView, and the subscription list with statusOnly=true in
// compute.ts), in the shapes of the Compute REST examples (emulator/spec/compute/).
import { jsonResponse, type ServiceResponse } from '../http-types.ts'
import { armError } from './vaults.ts'
import { type EncryptionSettings, encryptionSettingsBody } from './compute-shapes.ts'

export const VM_TYPE = 'Microsoft.Compute/virtualMachines'

export interface VirtualMachine {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly name: string
  readonly location: string
  readonly osType: 'Linux' | 'Windows'
  /** Extensions by name, as last PUT, with how many GETs have seen them since. */
  readonly extensions: Map<string, { body: Record<string, unknown>; polls: number }>
  /** Default Standard_D2s_v3. */
  readonly vmSize?: string
  /** The managed OS disk's resource ID; default none (the disk's name is `<vm>-os`). */
  readonly osDiskId?: string
  readonly dataDisks?: ReadonlyArray<{ readonly lun: number; readonly id: string }>
  /** Dual pass: ADE's settings on the VM model (storageProfile.osDisk.encryptionSettings). */
  readonly osEncryptionSettings?: EncryptionSettings
  readonly encryptionAtHost?: boolean
  /** Default running. A deallocated VM's instance view has no disks and no extensions. */
  readonly powerState?: 'running' | 'stopped' | 'deallocated'
  /** What the guest reports per disk name (EncryptionState/…); a disk not named has no such status. */
  readonly diskEncryption?: Readonly<Record<string, 'encrypted' | 'notEncrypted'>>
}

/** An extension as a VM is given it (the body az vm encryption enable PUTs). */
export interface ExtensionSpec {
  readonly name: string
  readonly publisher: string
  readonly type: string
  readonly typeHandlerVersion: string
  readonly settings?: Record<string, unknown>
}

export interface ExtensionPut {
  readonly vmId: string
  readonly name: string
  readonly body: Record<string, unknown>
}

export class VirtualMachines {
  readonly vms: VirtualMachine[] = []
  /** Every extension PUT, in order. */
  readonly extensionPuts: ExtensionPut[] = []

  add(vm: Omit<VirtualMachine, 'extensions'> & { extensions?: readonly ExtensionSpec[] }): string {
    const extensions = new Map((vm.extensions ?? []).map((e) => [e.name, { body: extensionBody(e), polls: 0 }]))
    this.vms.push({ ...vm, extensions })
    return vmId(vm)
  }

  /** Answers a request under `.../providers/Microsoft.Compute/virtualMachines/...`; undefined for other paths. */
  handle(method: string, path: string, query: URLSearchParams, body: Buffer): ServiceResponse | undefined {
    const m =
      /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachines\/([^/]+)(?:\/extensions\/([^/]+)|\/(instanceview))?\/?$/i.exec(
        path
      )
    if (!m) return undefined
    const [, sub, rg, name, extension, instanceView] = m as unknown as [string, string, string, string, string?, string?]
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
    const vm = this.vms.find((v) => same(v.subscriptionId, sub) && same(v.resourceGroup, rg) && same(v.name, name))
    if (!vm) {
      return armError(404, 'ResourceNotFound', `The Resource '${VM_TYPE}/${name}' under resource group '${rg}' was not found.`)
    }
    if (instanceView) {
      if (method !== 'GET') return armError(405, 'MethodNotAllowed', `${method} is not served for instance views here.`)
      return { ...jsonResponse(200, vmInstanceView(vm)), operation: 'getVmInstanceView' }
    }
    if (!extension) {
      if (method !== 'GET') return armError(405, 'MethodNotAllowed', `${method} is not served for virtual machines here.`)
      return { ...jsonResponse(200, vmResource(vm)), operation: 'getVm' }
    }
    const id = `${vmId(vm)}/extensions/${extension}`
    const known = [...vm.extensions.entries()].find(([n]) => same(n, extension))
    if (method === 'PUT') {
      let sent: Record<string, unknown>
      try {
        sent = JSON.parse(body.toString('utf8')) as Record<string, unknown>
      } catch {
        return armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.')
      }
      const entry = { body: sent, polls: 0 }
      vm.extensions.set(known?.[0] ?? extension, entry)
      this.extensionPuts.push({ vmId: vmId(vm), name: known?.[0] ?? extension, body: sent })
      // Creating now, Succeeded once polled: the client has to follow the operation.
      return {
        ...jsonResponse(201, extensionResource(vm, id, extension, entry.body, 'Creating'), { 'retry-after': '1' }),
        operation: 'putVmExtension'
      }
    }
    if (method !== 'GET') return armError(405, 'MethodNotAllowed', `${method} is not served for extensions here.`)
    if (!known) return armError(404, 'NotFound', `The entity was not found in this Azure location.`)
    const [extName, entry] = known
    entry.polls += 1
    const resource = extensionResource(vm, id, extName, entry.body, 'Succeeded')
    if (query.get('$expand') === 'instanceView') {
      ;(resource['properties'] as Record<string, unknown>)['instanceView'] = {
        name: extName,
        type: (entry.body['properties'] as Record<string, unknown> | undefined)?.['type'],
        statuses: [
          { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: 'Encryption succeeded' }
        ]
      }
    }
    return { ...jsonResponse(200, resource), operation: query.get('$expand') ? 'getVmExtensionInstanceView' : 'getVmExtension' }
  }
}

export function vmId(vm: Pick<VirtualMachine, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/${VM_TYPE}/${vm.name}`
}

const nameOf = (id: string): string => id.slice(id.lastIndexOf('/') + 1)

export function vmResource(vm: VirtualMachine): Record<string, unknown> {
  const linux = vm.osType === 'Linux'
  const managed = (id: string) => ({ storageAccountType: 'Premium_LRS', id })
  return {
    id: vmId(vm),
    name: vm.name,
    type: VM_TYPE,
    location: vm.location,
    properties: {
      vmId: '00000000-0000-4000-8000-000000000001',
      hardwareProfile: { vmSize: vm.vmSize ?? 'Standard_D2s_v3' },
      storageProfile: {
        osDisk: {
          osType: vm.osType,
          name: vm.osDiskId ? nameOf(vm.osDiskId) : `${vm.name}-os`,
          createOption: 'FromImage',
          caching: 'ReadWrite',
          ...(vm.osDiskId ? { managedDisk: managed(vm.osDiskId) } : {}),
          ...(vm.osEncryptionSettings ? { encryptionSettings: { enabled: true, ...encryptionSettingsBody(vm.osEncryptionSettings) } } : {}),
          diskSizeGB: 30
        },
        dataDisks: (vm.dataDisks ?? []).map((d) => ({
          lun: d.lun,
          name: nameOf(d.id),
          createOption: 'Attach',
          caching: 'ReadWrite',
          managedDisk: managed(d.id),
          diskSizeGB: 30
        }))
      },
      ...(vm.encryptionAtHost !== undefined ? { securityProfile: { encryptionAtHost: vm.encryptionAtHost } } : {}),
      osProfile: {
        computerName: vm.name,
        adminUsername: 'azureuser',
        ...(linux ? { linuxConfiguration: { disablePasswordAuthentication: true } } : { windowsConfiguration: {} })
      },
      provisioningState: 'Succeeded'
    },
    resources: [...vm.extensions.entries()].map(([name, e]) =>
      extensionResource(vm, `${vmId(vm)}/extensions/${name}`, name, e.body, 'Succeeded')
    )
  }
}

function extensionResource(
  vm: VirtualMachine,
  id: string,
  name: string,
  body: Record<string, unknown>,
  provisioningState: string
): Record<string, unknown> {
  const properties = (body['properties'] ?? {}) as Record<string, unknown>
  return {
    id,
    name,
    type: `${VM_TYPE}/extensions`,
    location: vm.location,
    properties: { ...properties, provisioningState }
  }
}

function extensionBody(e: ExtensionSpec): Record<string, unknown> {
  return {
    properties: {
      publisher: e.publisher,
      type: e.type,
      typeHandlerVersion: e.typeHandlerVersion,
      autoUpgradeMinorVersion: true,
      settings: e.settings ?? {}
    }
  }
}

const succeeded = { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' }
const POWER: Readonly<Record<string, string>> = { running: 'VM running', stopped: 'VM stopped', deallocated: 'VM deallocated' }

/** The instance view, as GET .../instanceView answers it: nothing guest-reported when deallocated. */
export function vmInstanceView(vm: VirtualMachine): Record<string, unknown> {
  const power = vm.powerState ?? 'running'
  const statuses = [succeeded, { code: `PowerState/${power}`, level: 'Info', displayStatus: POWER[power] }]
  if (power === 'deallocated') return { platformUpdateDomain: 0, platformFaultDomain: 0, hyperVGeneration: 'V1', statuses }
  const diskNames = [vm.osDiskId ? nameOf(vm.osDiskId) : `${vm.name}-os`, ...(vm.dataDisks ?? []).map((d) => nameOf(d.id))]
  return {
    platformUpdateDomain: 0,
    platformFaultDomain: 0,
    computerName: vm.name,
    vmAgent: { vmAgentVersion: '2.7.41491.1102', statuses: [{ ...succeeded, displayStatus: 'Ready' }] },
    disks: diskNames.map((name) => {
      const state = vm.diskEncryption?.[name]
      const encryption = state && {
        code: `EncryptionState/${state}`,
        level: 'Info',
        displayStatus: state === 'encrypted' ? 'Encryption succeeded' : 'Not encrypted'
      }
      return { name, statuses: [succeeded, ...(encryption ? [encryption] : [])] }
    }),
    extensions: [...vm.extensions.entries()].map(([name, { body }]) => {
      const p = (body['properties'] ?? {}) as Record<string, unknown>
      return {
        name,
        type: `${String(p['publisher'] ?? '')}.${String(p['type'] ?? '')}`,
        typeHandlerVersion: String(p['typeHandlerVersion'] ?? ''),
        statuses: [{ ...succeeded, message: 'Encryption succeeded' }]
      }
    }),
    hyperVGeneration: 'V1',
    statuses
  }
}
