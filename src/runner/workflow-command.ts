/**
 * A workflow command (`::error::…`), written as @actions/core writes it and escaped the same
 * way, for the code that runs without core: the post step, whose bundle needs nothing else
 * of it, and the last-resort handlers, in place before the step has loaded it.
 */
import { EOL } from 'node:os'

export function command(name: 'error' | 'warning' | 'debug', message: string): void {
  const escaped = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
  process.stdout.write(`::${name}::${escaped}${EOL}`)
}
