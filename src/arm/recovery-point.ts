/**
 * Azure Backup recovery points of encrypted VMs (Microsoft.RecoveryServices): the ID as the
 * recovery-point-id input gives it, and the one GET that reads its keyAndSecret.
 */
import { ActionableError } from '../runner/actionable-error.ts'
import { untrusted } from '../runner/untrusted.ts'
import { type ArmClient, ArmError, describeArmError } from './client.ts'
import type { RecoveryPointId } from './recovery-point-id.ts'

/** The newest stable Recovery Services Backup API version, whose IaasVMRecoveryPoint carries keyAndSecret. */
const RECOVERY_POINTS_API = '2024-10-01'

/** The recovery point's answer, not yet checked (backup-keys.ts checks it). */
export async function readRecoveryPoint(arm: ArmClient, point: RecoveryPointId): Promise<unknown> {
  // Semicolons are part of the container and item names; ARM takes them as they are in the path.
  const path = point.id
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%3B/gi, ';'))
    .join('/')
  try {
    return await arm.get<unknown>(path, RECOVERY_POINTS_API)
  } catch (error) {
    if (error instanceof ArmError && (error.status === 401 || error.status === 403)) {
      throw new ActionableError(
        `${describeArmError(error)} Reading the recovery point needs Backup Reader on the Recovery Services vault: ` +
          `az role assignment create --role "Backup Reader" --assignee <client-id> --scope ${point.vaultScope}`,
        { cause: error }
      )
    }
    if (error instanceof ArmError && error.status === 404) {
      throw new ActionableError(
        `${describeArmError(error)} Check recovery-point-id (az backup recoverypoint list … --query [].id lists them) and that the step signs in to its subscription.`,
        { cause: error }
      )
    }
    throw new ActionableError(`Reading the recovery point ${untrusted(point.id)} failed: ${describeArmError(error)}`, { cause: error })
  }
}
