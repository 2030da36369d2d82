/**
 * The inventory's list requests under faults, from its bundle: each failure is one error that
 * names the host and says what to do.
 * - a list answer that stalls mid-body (at timeout-seconds, and after 30 s without progress);
 * - a 429 whose wait is refused: the advice is for a read-only step (no if-exists: reuse);
 * - a list that never ends (a distinct nextLink every page) stops at a sensible bound, quickly;
 * - an HTTPS_PROXY with a bad % escape is refused before any request, as the root action does.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { KEK, VAULT, useWorld, errors } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'inventory', 'index.js')
const REWRAP = join(process.cwd(), 'dist', 'rewrap', 'index.js')
const HOST = `${VAULT}.vault.azure.net`

async function inventory(inputs: Record<string, string> = {}, env: Record<string, string> = {}, entry = ENTRY): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry,
    inputs: { 'key-vault': VAULT, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    env,
    debug: true,
    timeoutMs: 60_000
  })
  expect(leaks(result, { tokens: issuedTokens(world.azure) })).toEqual([])
  return result
}

/** The stand-in's list of secrets: its first page, stalled half-way. */
const STALLED_LIST = {
  host: HOST,
  method: 'GET',
  path: /^\/secrets$/,
  status: 200,
  body: { value: Array.from({ length: 25 }, (_, i) => ({ id: `https://${HOST}/secrets/s-${i}`, attributes: { enabled: true } })) },
  stallBody: true,
  times: 10
}

beforeAll(async () => {
  expect((await world.run({ 'os-type': 'linux', 'secret-name': 'bek-one' })).exitCode).toBe(0)
})

describe('a list answer that stalls mid-body', () => {
  test('at timeout-seconds: one error naming the host and what to do', async () => {
    world.azure.faults.add(STALLED_LIST)
    const result = await inventory({ 'timeout-seconds': '10' })
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toContain(HOST)
    expect(error).toContain("The step's deadline (timeout-seconds: 10) passed")
    expect(error).toMatch(/re-run/)
    expect(error).not.toMatch(/^::error::(aborted|This operation was aborted|The operation was aborted)/)
    expect(result.durationMs).toBeLessThan(20_000)
  }, 30_000)

  test('after 30 s without progress: one error naming the host and what to do, not "aborted"', async () => {
    world.azure.faults.add(STALLED_LIST)
    const result = await inventory()
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).not.toBe('::error::aborted')
    expect(error).toContain(HOST)
    expect(error).toMatch(/the list of secrets/)
    expect(error).toContain('cut off mid-body (no more data came for 30 s, or the connection was lost)')
    expect(error).toMatch(/HTTPS_PROXY|network/)
    expect(error).toMatch(/re-run/)
  }, 200_000)
})

describe('messages of a read-only step', () => {
  test('a 429 whose wait is refused advises fewer jobs, not if-exists: reuse', async () => {
    world.azure.faults.add({ host: HOST, method: 'GET', path: /^\/secrets$/, status: 429, headers: { 'retry-after': '3600' } })
    const result = await inventory()
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toMatch(/throttled .* asked to wait 3600 s/)
    expect(error).toContain('max-parallel')
    expect(error).not.toContain('if-exists')
  })

  test('a list that never ends stops at a bound, quickly, saying what to do', async () => {
    world.azure.faults.add({ host: HOST, method: 'GET', path: /^\/secrets$/, endlessPages: true, times: 1_000_000 })
    const result = await inventory()
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toMatch(new RegExp(`Key Vault kept answering the list https://${HOST.replace(/\./g, '\\.')}/secrets with more pages`))
    expect(error).toMatch(/HTTPS_PROXY/)
    const pages = world.azure.requests.filter((r) => r.host === HOST && r.path === '/secrets').length
    expect(pages).toBeLessThanOrEqual(5000)
    expect(result.durationMs).toBeLessThan(20_000)
  }, 60_000)

  test.each([
    ['inventory', ENTRY, {}],
    ['rewrap', REWRAP, { 'kek-name': KEK }]
  ])('%s: an HTTPS_PROXY with a bad %% escape is refused before any request', async (_name, entry, inputs) => {
    const proxy = world.azure.env().HTTPS_PROXY!.replace('http://', 'http://user:p%zz@')
    const result = await inventory(inputs, { HTTPS_PROXY: proxy }, entry)
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::The proxy setting HTTPS_PROXY is not a usable proxy URL: its password has a malformed percent escape/
      )
    ])
    expect(result.stdout + result.stderr).not.toContain('URIError')
    expect(result.stdout).not.toContain('p%zz')
    expect(world.azure.requests).toHaveLength(0)
  })
})
