/**
 * Reads an action's inputs; a bad one fails the step, before any request, with one error naming
 * it. The code that reports it is loaded only then, so a good run reaches its first connection
 * without it.
 */
export async function readInputs<T>(read: () => T): Promise<T | undefined> {
  try {
    return read()
  } catch (error) {
    const [core, { describeError }] = await Promise.all([import('@actions/core'), import('./errors.ts')])
    core.setFailed(describeError(error, {}))
    return undefined
  }
}
