import { describe, expect, test } from '@jest/globals'
import type { FaultRule } from '../../../emulator/faults.ts'
import { VAULT, errors, useWorld } from '../world.ts'

const world = useWorld()

const DEADLINE_S = 10
/** Longer than the deadline plus the 5 s the step may take to report and exit. */
const STALL_MS = 17_000

describe('a request that is never answered ends the step at timeout-seconds, naming the host', () => {
  test.each<[string, FaultRule, RegExp]>([
    [
      'a stalled wrapkey',
      { host: `${VAULT}.vault.azure.net`, method: 'POST', path: /\/wrapkey$/ },
      new RegExp(`from ${VAULT}\\.vault\\.azure\\.net \\(POST /keys/disk-kek/(?:[0-9a-f]+/)?wrapkey, `)
    ],
    [
      'a stalled secret PUT',
      { host: `${VAULT}.vault.azure.net`, method: 'PUT', path: /\/secrets\// },
      new RegExp(
        `from ${VAULT}\\.vault\\.azure\\.net \\(PUT /secrets/bek-a-stalled-secret-PUT, .*may have stored bek-a-stalled-secret-PUT .*if-exists: reuse`
      )
    ],
    [
      'a stalled GitHub OIDC token',
      { host: 'pipelinesghubeus1.actions.githubusercontent.com', method: 'GET' },
      /from pipelinesghubeus1\.actions\.githubusercontent\.com \(GET \/.*\/idtoken, /
    ],
    [
      'a stalled Entra ID token',
      { host: 'login.microsoftonline.com', method: 'POST', path: /\/oauth2\/v2\.0\/token$/ },
      /from login\.microsoftonline\.com \(POST \/[^ ]+\/oauth2\/v2\.0\/token, /
    ]
  ])(
    '%s',
    async (_, fault, where) => {
      // A stalled request is still served later: each case has a name of its own.
      const name = `bek-${_.replace(/\W+/g, '-')}`
      world.azure.faults.add({ ...fault, delayMs: STALL_MS })
      const result = await world.run({ 'os-type': 'linux', 'secret-name': name, 'timeout-seconds': String(DEADLINE_S) })
      expect(result.timedOut).toBe(false)
      expect(result.exitCode).toBe(1)
      expect(result.durationMs).toBeGreaterThanOrEqual(DEADLINE_S * 1000)
      expect(result.durationMs).toBeLessThan((DEADLINE_S + 5) * 1000)
      expect(errors(result)).toEqual([
        expect.stringMatching(/^::error::The step's deadline \(timeout-seconds: 10\) passed: no answer had come /)
      ])
      expect(errors(result)[0]).toMatch(where)
      // Nothing was stored when the step ended, and both the outputs and the summary say so.
      expect(world.versions(name)).toHaveLength(0)
      expect(JSON.parse(result.outputs['secrets'] ?? 'null')).toEqual([])
      expect(result.summary).toContain('timeout-seconds: 10')
    },
    30_000
  )
})

test('what a batch stored before the deadline is in the outputs', async () => {
  // max-parallel 1: bek-a is stored, then bek-b's PUT stalls.
  world.azure.faults.add({ host: `${VAULT}.vault.azure.net`, method: 'PUT', path: /\/secrets\/bek-b$/, delayMs: STALL_MS })
  const result = await world.run({
    'os-type': 'linux',
    'secret-name': 'bek-a\nbek-b',
    'max-parallel': '1',
    'timeout-seconds': String(DEADLINE_S)
  })
  expect(result.exitCode).toBe(1)
  expect(result.durationMs).toBeLessThan((DEADLINE_S + 5) * 1000)
  expect(errors(result)).toEqual([expect.stringMatching(/PUT \/secrets\/bek-b, .*1 of 2 BEKs were stored/)])
  expect(JSON.parse(result.outputs['secrets'] ?? '[]')).toEqual([expect.objectContaining({ name: 'bek-a' })])
  expect(world.versions('bek-a')).toHaveLength(1)
}, 30_000)

test('timeout-seconds out of range fails before any request', async () => {
  const result = await world.run({ 'timeout-seconds': '5' })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([expect.stringMatching(/^::error::Input 'timeout-seconds': '5' is not a whole number from 10 to 3600/)])
  expect(world.azure.requests).toEqual([])
})
