/**
 * The ID of an Azure Backup recovery point of a VM, as the recovery-point-id input gives it.
 * Apart from recovery-point.ts, which loads the Azure SDK: inputs are checked before it loads.
 */
import { InputError } from '../runner/inputs.ts'

const PATTERN =
  /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.RecoveryServices\/vaults\/([-\w]{2,50})\/backupFabrics\/Azure\/protectionContainers\/([^/?#]{1,300})\/protectedItems\/([^/?#]{1,300})\/recoveryPoints\/([-\w]{1,100})$/i

export interface RecoveryPointId {
  /** The ID as given, without a trailing slash. */
  readonly id: string
  readonly subscriptionId: string
  /** The Recovery Services vault's resource ID, for the Backup Reader advice. */
  readonly vaultScope: string
}

export function parseRecoveryPointId(input: string, value: string): RecoveryPointId {
  const text = value.trim().replace(/\/+$/, '')
  const m = PATTERN.exec(text)
  if (!m) {
    throw new InputError(
      input,
      `'${text}' is not a recovery point ID: /subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.RecoveryServices/vaults/<vault>/` +
        'backupFabrics/Azure/protectionContainers/<container>/protectedItems/<item>/recoveryPoints/<id> ' +
        '(az backup recoverypoint list --vault-name <vault> --resource-group <group> --container-name <vm> --item-name <vm> --query [].id)'
    )
  }
  return {
    id: text,
    subscriptionId: m[1]!.toLowerCase(),
    vaultScope: `/subscriptions/${m[1]}/resourceGroups/${m[2]}/providers/Microsoft.RecoveryServices/vaults/${m[3]}`
  }
}
