/** The backup's keys, from the recovery point (read through Resource Manager) or the config file (read with the inputs). */
import { BackupFieldError, type BackupKeys, fromRecoveryPoint } from '../../ade/backup-keys.ts'
import { ArmClient } from '../../arm/client.ts'
import { readRecoveryPoint } from '../../arm/recovery-point.ts'
import { ActionableError } from '../../runner/actionable-error.ts'
import type { Session } from '../../runner/session.ts'
import { untrusted } from '../../runner/untrusted.ts'
import type { RestoreSettings } from './inputs.ts'

export async function readBackupKeys(settings: RestoreSettings, session: Session): Promise<BackupKeys> {
  if (settings.source.kind === 'config-file') return settings.source.keys
  const { point } = settings.source
  const answer = await readRecoveryPoint(new ArmClient(session.credential, settings.cloud, session.connections), point)
  try {
    return fromRecoveryPoint(answer, settings.cloud)
  } catch (error) {
    if (!(error instanceof BackupFieldError)) throw error
    throw new ActionableError(
      `The recovery point ${untrusted(point.id)} cannot be restored: its ${untrusted(error.message, 300)}. ` +
        'Check that recovery-point-id is a recovery point of a VM encrypted with Azure Disk Encryption.',
      { cause: error }
    )
  }
}
