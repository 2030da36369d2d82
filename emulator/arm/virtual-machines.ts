// Virtual machines as Azure Resource Manager shows them, just enough for `az vm encryption enable`
// (azure-cli 2.45, vm/disk_encryption.py): the VM GET, the disk-encryption extension PUT, and
// its polling (the extension GET, with `$expand=instanceView`), which answers `Succeeded` once
// the PUT has been polled. Every PUT is kept, so tests can read the settings a client sent.
import { jsonResponse, type ServiceResponse } from '../http-types.ts'
import { armError } from './vaults.ts'

export const VM_TYPE = 'Microsoft.Compute/virtualMachines'

export interface VirtualMachine {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly name: string
  readonly location: string
  readonly osType: 'Linux' | 'Windows'
  /** Extensions by name, as last PUT, with how many GETs have seen them since. */
  readonly extensions: Map<string, { body: Record<string, unknown>; polls: number }>
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

  add(vm: Omit<VirtualMachine, 'extensions'>): string {
    this.vms.push({ ...vm, extensions: new Map() })
    return vmId(vm)
  }

  /** Answers a request under `.../providers/Microsoft.Compute/virtualMachines/...`; undefined for other paths. */
  handle(method: string, path: string, query: URLSearchParams, body: Buffer): ServiceResponse | undefined {
    const m =
      /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachines\/([^/]+)(?:\/extensions\/([^/]+))?\/?$/i.exec(
        path
      )
    if (!m) return undefined
    const [, sub, rg, name, extension] = m as unknown as [string, string, string, string, string | undefined]
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
    const vm = this.vms.find((v) => same(v.subscriptionId, sub) && same(v.resourceGroup, rg) && same(v.name, name))
    if (!vm) {
      return armError(404, 'ResourceNotFound', `The Resource '${VM_TYPE}/${name}' under resource group '${rg}' was not found.`)
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

function vmId(vm: Omit<VirtualMachine, 'extensions'>): string {
  return `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/${VM_TYPE}/${vm.name}`
}

function vmResource(vm: VirtualMachine): Record<string, unknown> {
  const linux = vm.osType === 'Linux'
  return {
    id: vmId(vm),
    name: vm.name,
    type: VM_TYPE,
    location: vm.location,
    properties: {
      vmId: '00000000-0000-4000-8000-000000000001',
      hardwareProfile: { vmSize: 'Standard_D2s_v3' },
      storageProfile: {
        osDisk: { osType: vm.osType, name: `${vm.name}-os`, createOption: 'FromImage', caching: 'ReadWrite', diskSizeGB: 30 },
        dataDisks: []
      },
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
