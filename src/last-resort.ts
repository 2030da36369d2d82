/**
 * The last resort for what the action's own error handling missed: an uncaught error or an
 * unhandled rejection becomes one `::error::` with a hint, instead of Node's dump of the
 * minified bundle line it was thrown from. The stack goes to the debug log only.
 */
import * as core from '@actions/core'
import { untrusted } from './untrusted.ts'

let reported = false

/** Reports `error` once and fails the step. */
export function failUnexpectedly(error: unknown): void {
  process.exitCode = 1
  if (reported) return
  reported = true
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  if (error instanceof Error && error.stack) core.debug(untrusted(error.stack, 4000))
  core.setFailed(
    `The action stopped on an unexpected error: ${untrusted(message, 500)}. Nothing after this point ran; check the secrets output and the vault ` +
      'before re-running (with if-exists: reuse to avoid duplicates). Re-run with debug logging for the stack, and report it if it persists.'
  )
}

/** Installs the handlers; the action's run() is awaited inside them. */
export function installLastResort(): void {
  process.on('uncaughtException', failUnexpectedly)
  process.on('unhandledRejection', failUnexpectedly)
}
