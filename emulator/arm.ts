// Tiny Azure Resource Manager stand-in: what `az login --service-principal` reads afterwards, virtual
// machines for `az vm encryption enable` (emulator/arm/virtual-machines.ts), the Compute lists an
// estate is read through (emulator/arm/compute.ts: Reader on the subscription), and the
// Key Vault vault resources (by ID, by `$filter`, and the caller's permissions on them), in all three clouds.
import {
  armError,
  authorizationFailed,
  parseResourceFilter,
  resourceListEntry,
  resourceNotFound,
  VAULT_TYPE,
  vaultId,
  vaultPermissions,
  vaultResource,
  vaultsOfCloud
} from './arm/vaults.ts'
import { CLOUDS, MANAGEMENT_RESOURCE, type Cloud } from './clouds.ts'
import { bearerToken, jsonResponse, type HostService, type ServiceRequest, type ServiceResponse } from './http-types.ts'
import { decodeJwt, nowSec, verifyJwtSignature, type SigningKey } from './jwt.ts'
import type { Vault } from './keyvault/vault-store.ts'
import { RecoveryPoints } from './arm/recovery-points.ts'
import { VirtualMachines } from './arm/virtual-machines.ts'
import { Compute, type ComputeAccess } from './arm/compute.ts'

export interface Subscription {
  subscriptionId: string
  displayName: string
  tenantId: string
}

export class Arm implements HostService {
  readonly name = 'arm'
  readonly subscriptions: Subscription[] = []
  /** Virtual machines and their extensions, for `az vm encryption enable`. */
  readonly virtualMachines = new VirtualMachines()
  /** Disks, snapshots, scale sets, VM sizes and the EncryptionAtHost feature. */
  readonly compute = new Compute()
  /** Azure Backup recovery points of encrypted VMs. */
  readonly recoveryPoints = new RecoveryPoints()
  /** Reader assignments above the vault (a resource group or subscription ID, lower case). */
  private readonly readerScopes: Array<{ objectId: string; scope: string }> = []
  private readonly entraKey: SigningKey
  private readonly vaults: () => Vault[]

  constructor(entraKey: SigningKey, vaults: () => Vault[] = () => []) {
    this.entraKey = entraKey
    this.vaults = vaults
  }

  handles(hostname: string): boolean {
    return cloudOfArmHost(hostname) !== undefined
  }

  /** Reader on a resource group or subscription (`/subscriptions/x[/resourceGroups/y]`). */
  grantReader(objectId: string, scope: string): void {
    this.readerScopes.push({ objectId, scope: scope.replace(/\/+$/, '').toLowerCase() })
  }

  private canRead(v: Vault, oid: string): boolean {
    const id = vaultId(v).toLowerCase()
    return (
      v.roleAssignments.some((a) => a.objectId === oid && a.role === 'Reader' && a.effectiveAt <= Date.now()) ||
      this.readerScopes.some((r) => r.objectId === oid && id.startsWith(`${r.scope}/`))
    )
  }

  handle(req: ServiceRequest): ServiceResponse {
    const token = bearerToken(req.headers)
    const challenge = {
      'www-authenticate':
        'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."'
    }
    if (!token) {
      return jsonResponse(
        401,
        { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } },
        challenge
      )
    }
    const jwt = decodeJwt(token)
    const aud = String(jwt?.payload['aud'] ?? '').replace(/\/?$/, '/')
    if (
      !jwt ||
      !verifyJwtSignature(jwt, this.entraKey) ||
      Number(jwt.payload['exp']) <= nowSec() ||
      !audiencesOf(cloudOfArmHost(req.hostname)!).includes(aud)
    ) {
      return jsonResponse(401, { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } }, challenge)
    }
    const tid = String(jwt.payload['tid'])
    const path = req.path.replace(/\/+$/, '').toLowerCase()
    if (!req.query.get('api-version')) {
      return jsonResponse(400, {
        error: {
          code: 'MissingApiVersionParameter',
          message: 'The api-version query parameter (?api-version=) is required for all requests.'
        }
      })
    }
    if (req.method === 'GET' && path === '/subscriptions') {
      const value = this.subscriptions
        .filter((s) => s.tenantId === tid)
        .map((s) => ({
          id: `/subscriptions/${s.subscriptionId}`,
          authorizationSource: 'RoleBased',
          managedByTenants: [],
          subscriptionId: s.subscriptionId,
          tenantId: s.tenantId,
          displayName: s.displayName,
          state: 'Enabled',
          subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' }
        }))
      return {
        ...jsonResponse(200, { value, count: { type: 'Total', value: value.length } }),
        authenticated: true,
        operation: 'listSubscriptions'
      }
    }
    if (req.method === 'GET' && path === '/tenants') {
      return {
        ...jsonResponse(200, {
          value: [{ id: `/tenants/${tid}`, tenantId: tid, tenantCategory: 'Home' }],
          count: { type: 'Total', value: 1 }
        }),
        authenticated: true,
        operation: 'listTenants'
      }
    }
    const computeAnswer = this.compute.handle(req, this.virtualMachines, this.computeAccess, String(jwt.payload['oid']))
    if (computeAnswer) return { ...computeAnswer, authenticated: true }
    const recoveryPoint = this.recoveryPoints.handle(req.method, req.path, String(jwt.payload['oid']))
    if (recoveryPoint) return { ...recoveryPoint, authenticated: true }
    const vmAnswer = this.virtualMachines.handle(req.method, req.path, req.query, req.body)
    if (vmAnswer) return { ...vmAnswer, authenticated: true }
    const vaultAnswer = this.vaultRequest(req.method, path, req.query, cloudOfArmHost(req.hostname)!, String(jwt.payload['oid']))
    if (vaultAnswer) return { ...vaultAnswer, authenticated: true }
    return jsonResponse(404, {
      error: { code: 'InvalidResourceType', message: `The resource type could not be found for path '${req.path}'.` }
    })
  }

  private readonly computeAccess: ComputeAccess = {
    subscriptionExists: (sub) =>
      this.subscriptions.some((s) => s.subscriptionId.toLowerCase() === sub) ||
      this.virtualMachines.vms.some((vm) => vm.subscriptionId.toLowerCase() === sub) ||
      this.compute.disks.some((d) => d.subscriptionId.toLowerCase() === sub),
    canRead: (oid, scope) => {
      const target = scope.toLowerCase()
      return this.readerScopes.some((r) => r.objectId === oid && (target === r.scope || target.startsWith(`${r.scope}/`)))
    }
  }

  private vaultRequest(method: string, path: string, query: URLSearchParams, cloud: Cloud, oid: string): ServiceResponse | undefined {
    if (method !== 'GET') return undefined
    const vaults = vaultsOfCloud(this.vaults(), cloud)
    const list = /^\/subscriptions\/([^/]+)\/resources$/.exec(path)
    if (list) {
      const sub = list[1]!
      const inSub = vaults.filter((v) => v.subscriptionId === sub)
      const known = inSub.length > 0 || this.subscriptions.some((s) => s.subscriptionId.toLowerCase() === sub)
      if (!known) return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`)
      const readable = inSub.filter((v) => this.canRead(v, oid))
      const anyAccess =
        readable.length > 0 || this.readerScopes.some((r) => r.objectId === oid && r.scope.startsWith(`/subscriptions/${sub}`))
      if (!anyAccess) return authorizationFailed(oid, 'Microsoft.Resources/subscriptions/resources/read', `/subscriptions/${sub}`)
      const filter = query.get('$filter')
      const parsed = filter ? parseResourceFilter(filter) : {}
      if (!parsed) return armError(400, 'InvalidFilterInQueryString', `Invalid $filter '${filter}' specified in the query string.`)
      const value = readable
        .filter(() => !parsed.type || parsed.type.toLowerCase() === VAULT_TYPE.toLowerCase())
        .filter((v) => !parsed.name || parsed.name.toLowerCase() === v.name)
        .map(resourceListEntry)
      return { ...jsonResponse(200, { value }), operation: 'listResources' }
    }
    const m =
      /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.keyvault\/vaults\/([^/]+)(\/providers\/microsoft\.authorization\/permissions)?$/.exec(
        path
      )
    if (!m) return undefined
    const [, sub, rg, name, permissions] = m as unknown as [string, string, string, string, string | undefined]
    const vault = vaults.find((v) => v.subscriptionId === sub && v.resourceGroup.toLowerCase() === rg && v.name === name)
    const scope = `/subscriptions/${sub}/resourceGroups/${rg}/providers/${VAULT_TYPE}/${name}`
    if (permissions) {
      // Anyone may ask what they may do; an unknown scope simply grants nothing.
      return { ...jsonResponse(200, { value: vault ? vaultPermissions(vault, oid) : [] }), operation: 'vaultPermissions' }
    }
    if (!vault) {
      const rgExists =
        vaults.some((v) => v.subscriptionId === sub && v.resourceGroup.toLowerCase() === rg) ||
        this.virtualMachines.vms.some((vm) => vm.subscriptionId === sub && vm.resourceGroup.toLowerCase() === rg)
      if (!rgExists) return armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`)
      return resourceNotFound(VAULT_TYPE, name, rg)
    }
    if (!this.canRead(vault, oid)) return authorizationFailed(oid, 'Microsoft.KeyVault/vaults/read', scope)
    return { ...jsonResponse(200, vaultResource(vault)), operation: 'getVault' }
  }
}

function cloudOfArmHost(host: string): Cloud | undefined {
  return Object.values(CLOUDS).find((c) => c.armHost === host)
}

function audiencesOf(cloud: Cloud): string[] {
  return cloud.name === 'AzureCloud' ? [MANAGEMENT_RESOURCE, 'https://management.azure.com/'] : [cloud.armResource]
}
