/**
 * A broken proxy setting is a bad input, refused before any request; and nothing the action
 * fails to catch prints the bundle's source.
 */
import { describe, expect, jest, test } from '@jest/globals'
import type { RunActionResult } from '../../../emulator/runner.ts'
import { onRequestStart, preload } from '../preload.ts'
import { errors, operations, useWorld } from '../world.ts'

// Each test runs the bundle once or more, on a machine that may be busy.
jest.setTimeout(30_000)
const world = useWorld()

describe('a proxy URL the HTTP stacks cannot parse', () => {
  test.each([
    ['a bad % escape in the password', 'HTTPS_PROXY', 'http://user:p%zz@127.0.0.1:9', /its password has a malformed percent escape/],
    ['not a URL', 'HTTPS_PROXY', 'proxy at 127.0.0.1', /it does not parse as a URL/],
    ['a lower-case variable with a SOCKS scheme', 'https_proxy', 'socks5://127.0.0.1:9', /its scheme is not http or https/]
  ])('%s: one error naming the variable, no request, no source dump', async (_, name, value, problem) => {
    const result = await world.run({ 'os-type': 'linux' }, { env: { HTTPS_PROXY: '', [name]: value } })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(new RegExp(`^::error::The proxy setting ${name} is not a usable proxy URL: ${problem.source}`))
    ])
    expect(result.stdout).not.toContain('p%zz')
    expect(world.azure.requests).toEqual([])
    expect(result.stderr.length).toBeLessThan(2000)
  })
})

/** The commands the action itself writes; any other line starting with `::` is not the action's. */
const OWN_COMMANDS = /^::(?:add-mask|debug|error|warning|notice|group|endgroup)::/

/** What Node prints for a crash it handles itself: the minified line the error came from. */
function expectNoSourceDump(result: RunActionResult): void {
  expect(result.stderr).not.toContain('__nccwpck_require__')
  expect(result.stderr).not.toMatch(/unsettled top-level await|^\s*\^+\s*$/m)
  expect(result.stderr.length).toBeLessThan(2000)
  expect(result.stdout.split('\n').filter((line) => line.startsWith('::') && !OWN_COMMANDS.test(line))).toEqual([])
}

const WRAP = /\/wrapkey$/
/** A request's path as Node has it: with the query. */
const WRAP_REQUEST = /\/wrapkey\?/
const WRAP_IN_FLIGHT = /while waiting for (?:.*, )?bek-e2e\.vault\.azure\.net \(POST \/keys\/disk-kek\/[0-9a-f]*\/?wrapkey, \d+\.\d s\)/

describe('what the action fails to catch ends the step with one error naming the requests in flight', () => {
  test.each([
    ['an uncaught error', `setImmediate(() => { throw new TypeError("Cannot read properties of null (reading 'id')") })`, 'TypeError'],
    ['an unhandled rejection', `void Promise.reject(new RangeError('RSA-0 KEK wraps at most -42 bytes'))`, 'RangeError']
  ])(
    '%s',
    async (_, crash, kind) => {
      for (const debug of [false, true]) {
        const name = `vm-crash-${kind}-${debug}`
        const result = await world.run({ 'os-type': 'linux', 'secret-name': name }, { debug, env: onRequestStart(WRAP_REQUEST, crash) })
        expect(result.exitCode).toBe(1)
        expect(errors(result)).toEqual([expect.stringMatching(/^::error::The action stopped on an unexpected error while waiting for /)])
        const [error] = errors(result)
        expect(error).toMatch(WRAP_IN_FLIGHT)
        expect(error).toMatch(new RegExp(`s\\): ${kind}: .*Nothing after this point ran; .*if-exists: reuse.*Re-run with debug logging`))
        expectNoSourceDump(result)
        // The step ended there: the wrap's answer was never used.
        expect(world.versions(name)).toHaveLength(0)
        expect(result.outputs['secret-url']).toBeUndefined()
        // The stack (minified positions) goes only to the debug log, which the runner shows in debug only.
        const lines = result.stdout.split('\n')
        expect(lines.filter((line) => line.startsWith('::debug::') && line.includes(`${kind}:`))).toEqual([
          expect.stringMatching(/\\n +at /)
        ])
        expect(lines.filter((line) => !line.startsWith('::debug::') && /\bat .*:\d+:\d+/.test(line))).toEqual([])
      }
    },
    60_000
  )

  test('with debug on, the stack of a crash in the bundle names the src/ file and line of each bundle frame (the committed maps)', async () => {
    // Thrown inside the bundle's own http.request call: the frames below it are the bundle's.
    // Published synchronously as the bundle constructs the request, unlike request.start.
    const env = preload(
      `import { subscribe } from 'node:diagnostics_channel'\nError.stackTraceLimit = 50\n` +
        `subscribe('http.client.request.created', ({ request }) => { if (${WRAP_REQUEST.toString()}.test(request.path)) throw new TypeError('crash inside the request') })\n`
    )
    const debugLines = async (debug: boolean): Promise<string[]> => {
      const result = await world.run({ 'os-type': 'linux', 'secret-name': `vm-crash-map-${debug}` }, { debug, env })
      expect(errors(result)).toEqual([
        expect.stringMatching(/^::error::The action stopped on an unexpected error .*TypeError: crash inside the request/)
      ])
      return result.stdout.split('\n').filter((line) => line.startsWith('::debug::') && line.includes('crash inside the request'))
    }
    const [stack] = await debugLines(true)
    // The request is sent from a chunk (NNN.index.js, loaded after the first connections), mapped as the bundle is.
    expect(stack).toMatch(/dist\/(?:\d+\.)?index\.js:\d+:\d+ \[src\/[\w/-]+\.ts:\d+:\d+\]/)
    const [plain] = await debugLines(false)
    expect(plain).toMatch(/dist\/(?:\d+\.)?index\.js:\d+:\d+/)
    expect(plain).not.toContain('[src/')
  }, 60_000)

  test('work that can never finish (a connection that holds nothing) ends at once, not with exit 13', async () => {
    world.azure.faults.add({ host: 'bek-e2e.vault.azure.net', method: 'POST', path: WRAP, delayMs: 10_000 })
    const env = onRequestStart(
      WRAP_REQUEST,
      // The TLS socket, and the proxy tunnel under it
      'const unref = (socket) => { for (let s = socket; s; s = s._parent) s.unref() }\n' +
        "if (request.socket) unref(request.socket); else request.on('socket', unref)"
    )
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'vm-unsettled' }, { env })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/^::error::The action stopped before finishing while waiting for /)])
    expect(errors(result)[0]).toMatch(WRAP_IN_FLIGHT)
    expect(errors(result)[0]).toMatch(/nothing was left that could answer.*HTTPS_PROXY\/NO_PROXY.*if-exists: reuse/)
    // Long before the wrap's answer (10 s) would have come.
    expect(result.durationMs).toBeLessThan(8000)
    expectNoSourceDump(result)
    expect(world.versions('vm-unsettled')).toHaveLength(0)
  }, 30_000)
})

describe('a GitHub OIDC endpoint that stalls its body', () => {
  /** The status, the headers and half the token's answer, then nothing more. */
  const STALLED_TOKEN = {
    host: 'pipelinesghubeus1.actions.githubusercontent.com',
    method: 'GET',
    path: /\/idtoken$/,
    status: 200,
    body: { value: 'x'.repeat(2000) },
    stallBody: true
  }

  test('ends the step at timeout-seconds with one error naming the host', async () => {
    world.azure.faults.add({ ...STALLED_TOKEN })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'vm-oidc-stall', 'timeout-seconds': '10' })
    expect(result.timedOut).toBe(false)
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeGreaterThanOrEqual(10_000)
    expect(result.durationMs).toBeLessThan(15_000)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::The step's deadline \(timeout-seconds: 10\) passed: no answer had come from pipelinesghubeus1\.actions\.githubusercontent\.com \(GET \/.*\/idtoken, /
      )
    ])
    expectNoSourceDump(result)
    expect(operations(world.azure)).toEqual([])
  }, 30_000)

  test('without timeout-seconds, ends when the body has not moved for 30 s, naming the host', async () => {
    world.azure.faults.add({ ...STALLED_TOKEN })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'vm-oidc-idle' })
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeGreaterThanOrEqual(30_000)
    expect(result.durationMs).toBeLessThan(40_000)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::Could not get the GitHub OIDC token from pipelinesghubeus1\.actions\.githubusercontent\.com \(No answer from pipelinesghubeus1\.actions\.githubusercontent\.com in 30 s\)\. .*HTTPS_PROXY\/NO_PROXY/
      )
    ])
    expectNoSourceDump(result)
    expect(operations(world.azure)).toEqual([])
  }, 60_000)
})
