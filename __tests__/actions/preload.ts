/**
 * Code loaded into the action's process before the bundle (node --import), for what no
 * stand-in answer can cause: an error nobody catches, a connection that holds nothing, or a
 * clock read when the process ends. It uses only Node's public hooks (diagnostics channels,
 * process events), never a hook in the action.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'e2e-preload-'))
let count = 0

/** NODE_OPTIONS for a run that first loads `source` (an ES module). */
export function preload(source: string): { NODE_OPTIONS: string } {
  const path = join(dir, `preload-${++count}.mjs`)
  writeFileSync(path, source)
  return { NODE_OPTIONS: `--import=${path}` }
}

/** Runs `then` (a function body, given `request`) as soon as the action starts a request whose path matches `path`. */
export function onRequestStart(path: RegExp, then: string): { NODE_OPTIONS: string } {
  return preload(
    `import { subscribe } from 'node:diagnostics_channel'\n` +
      `let done = false\n` +
      `subscribe('http.client.request.start', ({ request }) => {\n` +
      `  if (done || !${path.toString()}.test(request.path)) return\n` +
      `  done = true\n` +
      `  ;(request => { ${then} })(request)\n` +
      `})\n`
  )
}

/** Prints `elapsed-ms <n>` on stderr as the process ends: the time since Node started, without the spawn. */
export const ELAPSED = preload(
  `import { writeSync } from 'node:fs'\nprocess.on('exit', () => writeSync(2, \`\\nelapsed-ms \${performance.now().toFixed(0)}\\n\`))\n`
)

export function elapsedMs(stderr: string): number {
  const match = /elapsed-ms (\d+)/.exec(stderr)
  if (!match) throw new Error(`no elapsed-ms in stderr: ${stderr.slice(0, 500)}`)
  return Number(match[1])
}
