/**
 * The whole step: read the inputs, open the connections the first requests will use, then sign
 * in and make the BEKs (bek-step.ts). That part, with @actions/core and the Azure SDK's
 * pipeline, is a chunk of its own, loaded and compiled while the connections open rather than
 * before them.
 */
import { preconnectForBeks } from './preconnect.ts'
import { checkSettings } from './inputs.ts'
import { readInputs } from '../../runner/read-inputs.ts'
import { letConnectionsOut, startSession } from '../../runner/session-start.ts'

export async function run(): Promise<void> {
  const settings = await readInputs(checkSettings)
  if (!settings) return
  try {
    // The runner's OIDC variables are read here: like an input, a bad one fails before any request.
    const start = await readInputs(() => startSession(settings, (connections) => preconnectForBeks(connections, settings)))
    if (!start) return
    await letConnectionsOut()
    const { runBekStep } = await import('./step.ts')
    await runBekStep(settings, start)
  } finally {
    settings.keyFile?.bytes.fill(0)
  }
}
