/** A throttled request whose wait this action refused (see vault-retry.ts): what to change. */
import { ActionableError } from '../runner/actionable-error.ts'
import { requestLabel, targetOf } from './request-label.ts'
import type { VaultOperation } from './operation.ts'
import { MAX_WAIT_MS, type WaitRefused } from './retry.ts'

const READS: ReadonlySet<VaultOperation> = new Set(['listSecrets', 'listSecretVersions', 'getKey'])

/** The root action's batch: a re-run keeps what was stored with if-exists: reuse. */
export const REUSE_ON_RERUN = 'for a batch, re-run with if-exists: reuse to keep the BEKs already stored'

/** `rerun`: what a re-run of this action does with the work already done, as that action says it. */
export function waitRefused(
  operation: VaultOperation,
  method: string,
  url: string,
  refused: WaitRefused,
  rerun = REUSE_ON_RERUN
): ActionableError {
  const { vault } = targetOf(url)
  const asked = `Key Vault throttled the ${requestLabel(operation, method, url)} (HTTP ${refused.statusCode}) and asked to wait ${Math.ceil(refused.waitMs / 1000)} s`
  // Reads (lists, a key) store nothing, so a re-run has nothing to keep.
  const fewer = `lower max-parallel, or run fewer jobs against ${vault} at once${READS.has(operation) ? ', then re-run' : `; ${rerun}`}`
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
