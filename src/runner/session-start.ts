/**
 * The part of a session that goes out first: the run's connections and the step's deadline. It
 * loads neither @actions/core nor the Azure SDK, so a step opens its connections before the code
 * that uses them (the OIDC fetch, the sign-in, the vault client) is even loaded (run-action.ts).
 */
import { Connections } from '../net/connections.ts'
import { idTokenRequestUrl } from '../auth/id-token-request.ts'
import type { RunSettings } from './run-settings.ts'
import { trackRequests } from './last-resort.ts'
import { StepDeadline } from '../net/deadline.ts'

export interface SessionStart {
  readonly connections: Connections
  /** timeout-seconds, counted from here: race the work against it, end() it when done. */
  readonly deadline: StepDeadline
}

/**
 * Opens the connections to the runner's OIDC token endpoint and Entra ID, in the order the
 * sign-in uses them; `preconnect` opens those the first requests after it will use. A job
 * without an OIDC token fails here, before any of them.
 */
export function openConnections(settings: RunSettings, preconnect: (connections: Connections) => void = () => undefined): SessionStart {
  const tokenUrl = settings.auth.kind === 'oidc' ? idTokenRequestUrl() : undefined
  const connections = new Connections()
  trackRequests(() => connections.pending())
  if (tokenUrl) {
    connections.preconnect(tokenUrl.hostname, 1, Number(tokenUrl.port || 443))
    connections.preconnect(new URL(settings.cloud.authorityHost).hostname)
  }
  preconnect(connections)
  return { connections, deadline: new StepDeadline(settings.timeoutSeconds, connections) }
}

/**
 * One turn of the event loop: the connections just opened send their first bytes (the proxy's
 * CONNECT, a TLS hello) before the next synchronous work, such as compiling a chunk, holds the thread.
 */
export function letConnectionsOut(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
