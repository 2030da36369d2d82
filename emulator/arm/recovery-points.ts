// Azure Backup recovery points of encrypted VMs, as Resource Manager shows them
// (Microsoft.RecoveryServices, api-version 2024-10-01, an `IaasVMRecoveryPoint`), just the GET the
// restore needs. `keyAndSecret` is built from a real backup of the vault's KEK (POST /keys/{name}/backup,
// given as standard base64, as Backup gives it) and the BEK secret's wrapped value, as Azure Backup
// takes them when it backs up an ADE VM. Reading one needs Backup Reader (or Reader) on the
// Recovery Services vault. Shape: the RecoveryPoints_Get example of azure-rest-api-specs
// (emulator/spec/recoveryservicesbackup-2024-10-01/examples/), with `keyAndSecret` and `osType` from the schema.
import { randomInt } from 'node:crypto'
import { jsonResponse, type ServiceResponse } from '../http-types.ts'
import { backupBlob } from '../keyvault/backup.ts'
import { currentKey, currentSecret, vaultUrl, type Vault } from '../keyvault/vault-store.ts'
import { armError, authorizationFailed, vaultId } from './vaults.ts'

export const RECOVERY_POINT_TYPE = 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints'

export interface RecoveryPointOptions {
  subscriptionId: string
  resourceGroup: string
  /** The Recovery Services vault. */
  vault: string
  vmName: string
  osType: 'Windows' | 'Linux'
  /** The BEK secret (its current version is the one backed up). */
  secret: { vault: Vault; name: string }
  /** The KEK; none for a VM encrypted with a BEK alone. */
  kek?: { vault: Vault; name: string }
  /** Some recovery points carry the vault URL with its default port (`:443`). */
  keyUrlWithPort?: boolean
}

interface StoredPoint {
  id: string
  body: Record<string, unknown>
  readers: Set<string>
  rsVaultScope: string
}

export class RecoveryPoints {
  private readonly points: StoredPoint[] = []

  /** Backs up the KEK and takes the secret as Azure Backup does; returns the recovery point's ID. */
  add(options: RecoveryPointOptions): string {
    const { subscriptionId: sub, resourceGroup: rg, vault, vmName } = options
    const container = `IaasVMContainer;iaasvmcontainerv2;${rg};${vmName}`
    const item = `VM;iaasvmcontainerv2;${rg};${vmName}`
    const name = String(randomInt(1e13, 9e13))
    const rsVaultScope = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.RecoveryServices/vaults/${vault}`
    const id = `${rsVaultScope}/backupFabrics/Azure/protectionContainers/${container}/protectedItems/${item}/recoveryPoints/${name}`
    const secretEntry = options.secret.vault.secrets.get(options.secret.name.toLowerCase())
    if (!secretEntry) throw new Error(`emulator: no secret '${options.secret.name}'`)
    const sv = currentSecret(secretEntry)
    const keyAndSecret: Record<string, unknown> = {
      bekDetails: {
        secretUrl: `${vaultUrl(options.secret.vault)}/secrets/${secretEntry.name}/${sv.version}`,
        secretVaultId: vaultId(options.secret.vault),
        // With a KEK, the wrapped BEK as the secret holds it; without one, the secret's own backup (standard base64).
        secretData: options.kek
          ? sv.value
          : Buffer.from(backupBlob(options.secret.vault, 'secret', secretEntry.name), 'base64url').toString('base64')
      },
      encryptionMechanism: options.kek ? 'KekAndBek' : 'Bek'
    }
    if (options.kek) {
      const entry = options.kek.vault.keys.get(options.kek.name.toLowerCase())
      if (!entry) throw new Error(`emulator: no key '${options.kek.name}'`)
      const host = vaultUrl(options.kek.vault) + (options.keyUrlWithPort ? ':443' : '')
      keyAndSecret['kekDetails'] = {
        keyUrl: `${host}/keys/${entry.name}/${currentKey(entry).version}`,
        keyVaultId: vaultId(options.kek.vault),
        keyBackupData: Buffer.from(backupBlob(options.kek.vault, 'key', entry.name), 'base64url').toString('base64')
      }
    }
    const body = {
      id,
      name,
      type: RECOVERY_POINT_TYPE,
      properties: {
        objectType: 'IaasVMRecoveryPoint',
        recoveryPointType: 'AppConsistent',
        recoveryPointTime: new Date().toISOString(),
        recoveryPointAdditionalInfo: '',
        sourceVMStorageType: 'NormalStorage',
        isSourceVMEncrypted: true,
        keyAndSecret,
        isInstantIlrSessionActive: false,
        recoveryPointTierDetails: [{ type: 'HardenedRP', status: 'Valid' }],
        recoveryPointMoveReadinessInfo: { ArchivedRP: { isReadyForMove: true } },
        isManagedVirtualMachine: true,
        virtualMachineSize: 'Standard_D2s_v3',
        originalStorageAccountOption: false,
        osType: options.osType,
        zones: ['1'],
        isPrivateAccessEnabledOnAnyDisk: false
      }
    }
    this.points.push({ id, body, readers: new Set(), rsVaultScope })
    return id
  }

  /** Backup Reader on the recovery point's Recovery Services vault. */
  grantBackupReader(recoveryPointId: string, objectId: string): void {
    const point = this.points.find((p) => p.id.toLowerCase() === recoveryPointId.toLowerCase())
    if (!point) throw new Error(`emulator: no recovery point '${recoveryPointId}'`)
    point.readers.add(objectId)
  }

  /** Answers a GET under `.../Microsoft.RecoveryServices/vaults/...`; undefined for other paths. */
  handle(method: string, path: string, oid: string): ServiceResponse | undefined {
    if (!/\/providers\/microsoft\.recoveryservices\/vaults\//i.test(path)) return undefined
    const wanted = decodeURIComponent(path).replace(/\/+$/, '').toLowerCase()
    const point = this.points.find((p) => p.id.toLowerCase() === wanted)
    if (method !== 'GET') return armError(405, 'MethodNotAllowed', `${method} is not served for recovery points here.`)
    if (!point) {
      return armError(
        404,
        'BMSUserErrorRecoveryPointNotFound',
        'The specified recovery point was not found. Please check the recovery point ID and try again.'
      )
    }
    if (!point.readers.has(oid)) {
      return authorizationFailed(
        oid,
        'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints/read',
        point.rsVaultScope
      )
    }
    return { ...jsonResponse(200, point.body), operation: 'getRecoveryPoint' }
  }
}
