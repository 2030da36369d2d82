/**
 * The last resort for what the action's own error handling missed: an uncaught error, an
 * unhandled rejection, or work that can never finish (Node's event loop ran empty while the
 * action still waited) becomes one `::error::` naming the requests in flight, with a hint,
 * instead of Node's dump of the minified bundle line or its "unsettled top-level await"
 * (exit 13). The stack goes to the debug log only, with the src/ positions of its bundle frames.
 */
import type { PendingRequest } from '../net/connections.ts'
import { withSourcePositions } from './stack-positions.ts'
import { untrusted } from './untrusted.ts'
import { command } from './workflow-command.ts'

let reported = false
let inFlight: () => readonly PendingRequest[] = () => []

const HINT =
  'Nothing after this point ran; check the secrets output and the vault before re-running (with if-exists: reuse to avoid duplicates). ' +
  'Re-run with debug logging for the stack, and report it if it persists.'

/** Where the step was when it stopped: `pending` lists the requests sent and not yet answered. */
export function trackRequests(pending: () => readonly PendingRequest[]): void {
  inFlight = pending
}

/** Reports `error` once and fails the step. */
export function failUnexpectedly(error: unknown): void {
  process.exitCode = 1
  if (reported) return
  reported = true
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  // The map is read only when the runner will show the debug log.
  if (error instanceof Error && error.stack) command('debug', untrusted(isDebug() ? withSourcePositions(error.stack) : error.stack, 4000))
  command('error', `The action stopped on an unexpected error ${where()}: ${untrusted(message, 500)}. ${HINT}`)
}

/** Reports, once, that the action's work can no longer finish: nothing is left that could answer it. */
export function failUnfinished(): void {
  process.exitCode = 1
  if (reported) return
  reported = true
  command(
    'error',
    `The action stopped before finishing ${where()}: nothing was left that could answer (no connection or timer held the process). ` +
      `Check the runner's network and proxy (HTTPS_PROXY/NO_PROXY). ${HINT}`
  )
}

/**
 * Runs an action's entry point under the last-resort handlers. After an uncaught error the
 * process state is unknown, so the step ends at once, as Node itself would end it.
 */
export async function runWithLastResort(run: () => Promise<void>): Promise<void> {
  let settled = false
  const failAndExit = (error: unknown): void => {
    failUnexpectedly(error)
    process.exit()
  }
  process.on('uncaughtException', failAndExit)
  process.on('unhandledRejection', failAndExit)
  // Emitted when the event loop is empty: if run() has not settled then, it never will.
  process.on('beforeExit', () => {
    if (!settled) failUnfinished()
  })
  try {
    await run()
  } catch (error) {
    failUnexpectedly(error)
  } finally {
    settled = true
  }
}

function where(): string {
  const now = Date.now()
  const requests = inFlight()
  if (requests.length === 0) return 'with no request in flight'
  const waiting = requests.map(
    (request) =>
      `${untrusted(request.host)} (${request.method} ${untrusted(request.path, 200)}, ${((now - request.since) / 1000).toFixed(1)} s)`
  )
  return `while waiting for ${waiting.join(', ')}`
}

/** Whether the runner shows the debug log (core.isDebug). */
const isDebug = (): boolean => process.env.RUNNER_DEBUG === '1'
