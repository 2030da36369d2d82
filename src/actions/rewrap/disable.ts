/** Disables a version this rewrap stored but could not stand behind, or says how to finish that by hand. */
import { ActionableError } from '../../runner/actionable-error.ts'
import { type StoredSecret, disableSecret } from '../../keyvault/secrets.ts'
import type { VaultClient } from '../../keyvault/client.ts'
import type { VaultRef } from '../../keyvault/refs.ts'

/** What disabling needs of the rewrap's job. */
interface DisableJob {
  readonly vault: VaultClient
  readonly vaultRef: VaultRef
  readonly describe: (error: unknown) => string
}

/**
 * Always throws: `why` the version is not the one verified, then that it was disabled (ADE and
 * a re-run then ignore it; the re-run rewraps the version before it), or, when the disable
 * failed too, the command that disables it.
 */
export async function disableUnchecked(job: DisableJob, stored: StoredSecret, why: string): Promise<never> {
  try {
    await disableSecret(job.vault, stored)
  } catch (error) {
    throw new ActionableError(
      `${why}, and disabling it failed too (${job.describe(error)}): ${stored.url} is still enabled and must not be used. ` +
        `Disable it now: az keyvault secret set-attributes --vault-name ${job.vaultRef.name} --name ${stored.name} --version ${stored.version} --enabled false, then re-run the step.`,
      { cause: error }
    )
  }
  throw new ActionableError(`${why}; that version was disabled so that nothing uses it. Re-run the step.`)
}
