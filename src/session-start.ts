/**
 * The part of a session that goes out first: the run's connections, the OIDC token fetch and the
 * step's deadline. It loads none of the Azure SDK, so a step can open its connections before the
 * code that uses them (the vault client, the sign-in) is even loaded (main.ts).
 */
import { Connections } from './connections.ts'
import type { ErrorContext } from './errors.ts'
import { GitHubIdToken } from './github-oidc.ts'
import type { CommonSettings } from './inputs.ts'
import { trackRequests } from './last-resort.ts'
import { StepDeadline } from './step-deadline.ts'

export interface SessionStart {
  readonly connections: Connections
  /** The job's OIDC token, on its way; undefined when another credential signs in. */
  readonly idToken?: GitHubIdToken
  /** timeout-seconds, counted from here: race the work against it, end() it when done. */
  readonly deadline: StepDeadline
  /** Who signs in, for error messages (never the token). */
  errorContext(): ErrorContext
}

/**
 * Starts the OIDC token fetch and the step's deadline, and opens the connection to Entra ID;
 * `preconnect` opens those the first requests will use while the token is on its way.
 */
export function startSession(settings: CommonSettings, preconnect: (connections: Connections) => void = () => undefined): SessionStart {
  const auth = settings.auth.kind === 'oidc' ? settings.auth : undefined
  const connections = new Connections()
  trackRequests(() => connections.pending())
  const idToken = auth && new GitHubIdToken(auth.audience, connections)
  const deadline = new StepDeadline(settings.timeoutSeconds, connections)
  idToken?.prefetch()
  if (auth) connections.preconnect(new URL(settings.cloud.authorityHost).hostname)
  preconnect(connections)
  return {
    connections,
    idToken,
    deadline,
    errorContext: () => ({ ...auth, oidcClaims: idToken?.claims, authorityHost: new URL(settings.cloud.authorityHost).host })
  }
}

/**
 * One turn of the event loop: the connections just opened send their first bytes (the proxy's
 * CONNECT, a TLS hello) before the next synchronous work, such as compiling a chunk, holds the thread.
 */
export function letConnectionsOut(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
