/**
 * The one run skeleton every action uses: read and check the inputs (a bad one fails before any
 * request, naming it), open the first connections, load the action's story (a chunk, compiled
 * while those connections open), open the session on them, run the story, and report a failure
 * with what to do. Nothing here loads @actions/core or the Azure SDK before the first connection.
 */
import type { Connections } from '../net/connections.ts'
import type { RunSettings } from './run-settings.ts'
import { readInputs } from './read-inputs.ts'
import { letConnectionsOut, openConnections } from './session-start.ts'
import type { Session } from './session.ts'

export interface Action<S extends RunSettings> {
  /** Reads and checks every input; throws an InputError naming a bad one. */
  readonly inputs: () => S
  /** The only vaults the session may send a token to. */
  readonly vaults: (settings: S) => readonly string[]
  /** Opens the connections the first requests will use, while the token is on its way. */
  readonly preconnect?: (connections: Connections, settings: S) => void
  /** The action's main.ts: its story, given the checked inputs and an open session. */
  readonly main: () => Promise<{ main: (settings: S, session: Session) => Promise<void> }>
  /** Runs whatever happened, e.g. to zero key bytes the inputs hold. */
  readonly cleanup?: (settings: S) => void
}

export async function runAction<S extends RunSettings>(action: Action<S>): Promise<void> {
  const settings = await readInputs(action.inputs)
  if (!settings) return
  try {
    // The runner's OIDC variables are read here: like an input, a bad one fails before any request.
    const start = await readInputs(() => openConnections(settings, (connections) => action.preconnect?.(connections, settings)))
    if (!start) return
    await letConnectionsOut()
    let session: Session | undefined
    try {
      const [{ main }, { openSession }] = await Promise.all([action.main(), import('./session.ts')])
      session = openSession(start, settings, action.vaults(settings))
      await main(settings, session)
    } catch (error) {
      const [core, { describeError }] = await Promise.all([import('@actions/core'), import('./errors.ts')])
      core.setFailed(describeError(error, session?.errorContext() ?? {}))
    } finally {
      start.deadline.end()
      // Past the deadline, a library's retry timer may still be pending; the step has reported.
      if (start.deadline.expired) setTimeout(() => process.exit(), 1000).unref()
    }
  } finally {
    action.cleanup?.(settings)
  }
}
