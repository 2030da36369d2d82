/**
 * GitHub's OIDC token service failing for a moment (502/503/504, a reset connection) is asked
 * again, as @actions/core's getIDToken does, a bounded number of times within the step's
 * deadline; a 5xx that lasts is reported as GitHub's outage, not as a missing
 * `permissions: id-token: write`, which stays the advice for 401/403/404.
 */
import { describe, expect, jest, test } from '@jest/globals'
import type { LocalAzure } from '../../../emulator/index.ts'
import { errors, useWorld } from '../world.ts'

// A run that fails after every attempt pauses 0.5 + 1 + 2 + 4 s (within 20 %) between them.
jest.setTimeout(30_000)
const world = useWorld()
const RUNNER_HOST = 'pipelinesghubeus1.actions.githubusercontent.com'
const TOKEN = { host: RUNNER_HOST, method: 'GET', path: /\/idtoken$/ }

const tokenRequests = (azure: LocalAzure): number =>
  azure.requests.filter((r) => r.host === RUNNER_HOST && /\/idtoken$/.test(r.path)).length

describe('the GitHub OIDC token fetch', () => {
  test.each([
    ['a 503', { status: 503, body: { message: 'Service Unavailable' } }],
    ['a 502', { status: 502, body: '' }],
    ['a reset connection', { reset: true }]
  ])('%s once, then a token: the step succeeds on the second request', async (_, fault) => {
    world.azure.faults.add({ ...TOKEN, ...fault })
    const result = await world.run({ 'os-type': 'linux' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(tokenRequests(world.azure)).toBe(2)
    expect(result.stdout).toMatch(
      /^GitHub's OIDC token service (answered HTTP 50\d|reset the connection \(ECONNRESET\)); asking again in \d\.\d s\.$/m
    )
    expect(world.versions(result.outputs['secret-name']!)).toHaveLength(1)
  })

  test('503 on every request: a bounded number of attempts, then one error naming an outage on GitHub', async () => {
    world.azure.faults.add({ ...TOKEN, status: 503, body: { message: 'Service Unavailable' }, times: 100 })
    const result = await world.run({ 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(tokenRequests(world.azure)).toBe(5)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::The GitHub OIDC token endpoint pipelinesghubeus1\.actions\.githubusercontent\.com answered HTTP 503, 5 times over \d+ s: GitHub's token service is failing, an outage on GitHub's side .*githubstatus\.com/
      )
    ])
    expect(errors(result)[0]).not.toContain('id-token: write')
    expect(result.durationMs).toBeLessThan(15_000)
    expect(world.azure.requests.filter((r) => r.host.includes('.vault.'))).toEqual([])
  })

  test('403 is not asked again, and still says to grant id-token: write', async () => {
    world.azure.faults.add({ ...TOKEN, status: 403, body: { message: 'Forbidden' }, times: 100 })
    const result = await world.run({ 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(tokenRequests(world.azure)).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/answered HTTP 403\. Check that the job has `permissions: id-token: write`/)])
  })
})
