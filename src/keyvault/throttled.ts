/** A throttled request whose wait this action refused (see vault-retry.ts): what to change. */
import { ActionableError } from '../runner/actionable-error.ts'
import { requestLabel, targetOf } from './request-label.ts'
import type { VaultOperation } from './operation.ts'
import { MAX_WAIT_MS, type WaitRefused } from './retry.ts'

const READS: ReadonlySet<VaultOperation> = new Set(['listSecrets', 'listSecretVersions', 'getKey'])

export function waitRefused(operation: VaultOperation, method: string, url: string, refused: WaitRefused): ActionableError {
  const { vault } = targetOf(url)
  const asked = `Key Vault throttled the ${requestLabel(operation, method, url)} (HTTP ${refused.statusCode}) and asked to wait ${Math.ceil(refused.waitMs / 1000)} s`
  // Reads (lists, a key) store nothing, so there is nothing for if-exists: reuse to keep.
  const read = READS.has(operation)
  const fewer = `lower max-parallel, or run fewer jobs against ${vault} at once${read ? ', then re-run' : '; for a batch, re-run with if-exists: reuse to keep the BEKs already stored'}`
  if (refused.deadline) {
    const left = Math.max(0, Math.floor(refused.deadline.remainingMs / 1000))
    return new ActionableError(
      `${asked}, past the step's deadline (timeout-seconds: ${refused.deadline.seconds}, ${left} s left). Raise timeout-seconds, or ${fewer}.`
    )
  }
  return new ActionableError(
    `${asked}, longer than the ${MAX_WAIT_MS / 1000} s this action waits. To stay under the vault's limits, ${fewer}.`
  )
}
