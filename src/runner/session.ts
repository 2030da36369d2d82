/**
 * What every action here needs before its first Key Vault request: the job's OIDC token
 * (fetched at once, on the connection session-start.ts opened), the run's connections, the
 * credential, one vault client limited to the vaults in the inputs, and the per-vault pacer.
 */
import type { TokenCredential } from '@azure/core-auth'
import type { Connections } from '../net/connections.ts'
import { createCredential } from '../auth/credential.ts'
import type { ErrorContext } from './errors.ts'
import { GitHubIdToken } from '../auth/github-oidc.ts'
import type { RunSettings } from './run-settings.ts'
import { VaultPacer } from '../keyvault/pacing.ts'
import type { SessionStart } from './session-start.ts'
import type { StepDeadline } from '../net/deadline.ts'
import { VaultClient } from '../keyvault/client.ts'

export interface Session {
  readonly connections: Connections
  /** The run's one sign-in, for other Azure APIs (Resource Manager) as well. */
  readonly credential: TokenCredential
  readonly vault: VaultClient
  readonly pacer: VaultPacer
  /** timeout-seconds, counted from here: race the work against it, end() it when done. */
  readonly deadline: StepDeadline
  /** Another client on the same sign-in, for vaults known only after the first answers. */
  vaultFor(vaultUrls: readonly string[]): VaultClient
  /** Who signed in, for error messages (never the token). */
  errorContext(): ErrorContext
}

/**
 * The session on the connections openConnections opened (session-start.ts). `vaultUrls`: the only
 * vaults the client may send a token to.
 */
export function openSession(start: SessionStart, settings: RunSettings, vaultUrls: readonly string[]): Session {
  const { connections, deadline } = start
  const auth = settings.auth.kind === 'oidc' ? settings.auth : undefined
  const idToken = auth && new GitHubIdToken(auth.audience, connections, deadline)
  idToken?.prefetch()
  const credential = createCredential(settings.auth, settings.cloud, idToken, connections)
  return {
    connections,
    credential,
    vault: new VaultClient(credential, settings.cloud, connections, vaultUrls, deadline),
    pacer: new VaultPacer(),
    deadline,
    vaultFor: (urls) => new VaultClient(credential, settings.cloud, connections, urls, deadline),
    errorContext: () => ({ ...auth, oidcClaims: idToken?.claims, authorityHost: new URL(settings.cloud.authorityHost).host })
  }
}
