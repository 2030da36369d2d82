/**
 * One input as the runner passes it, read as `core.getInput` reads it (`INPUT_<NAME>`, spaces
 * as underscores, trimmed). Reading it here keeps @actions/core, and the node:crypto it loads,
 * off the path to the first connection.
 */
export function actionInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}
