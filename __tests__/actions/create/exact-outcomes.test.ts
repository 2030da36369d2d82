/**
 * Whatever goes wrong around the answers, the outcome is exact: the step's result and its one
 * error are printed, and what the vault stored is said, never guessed or doubled.
 */
import { describe, expect, test } from '@jest/globals'
import { VAULT, errors, useWorld } from '../world.ts'

const world = useWorld()
const VAULT_HOST = `${VAULT}.vault.azure.net`

describe('a job summary that cannot be written is a warning, never the outcome', () => {
  test('a success without GITHUB_STEP_SUMMARY stays a success, with its outputs', async () => {
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'no-summary-ok' }, { env: { GITHUB_STEP_SUMMARY: '' } })
    expect(result.exitCode).toBe(0)
    expect(errors(result)).toEqual([])
    expect(result.stdout).toMatch(
      /^::warning::The job summary was not written \(.*GITHUB_STEP_SUMMARY.*\); the outputs and this log have the result\.$/m
    )
    const [stored] = world.versions('no-summary-ok')
    expect(world.versions('no-summary-ok')).toHaveLength(1)
    expect(result.outputs['secret-url']).toBe(stored?.id)
    expect(result.outputs['secret-name']).toBe('no-summary-ok')
  })

  test('a failure without GITHUB_STEP_SUMMARY prints its own error, once', async () => {
    const result = await world.run({ 'kek-name': 'no-such-kek', 'secret-name': 'no-summary-fail' }, { env: { GITHUB_STEP_SUMMARY: '' } })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/^::error::The KEK was not found: .*no-such-kek\. Check kek-name/)])
    expect(result.stdout).toMatch(/^::warning::The job summary was not written/m)
    expect(JSON.parse(result.outputs['secrets'] ?? 'null')).toEqual([])
  })

  test('an unwritable summary file is the same warning', async () => {
    const result = await world.run(
      { 'os-type': 'linux', 'secret-name': 'no-summary-dir' },
      { env: { GITHUB_STEP_SUMMARY: '/nonexistent/step_summary' } }
    )
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^::warning::The job summary was not written \(.*\/nonexistent\/step_summary.*\)/m)
    expect(world.versions('no-summary-dir')).toHaveLength(1)
  })
})

describe('a 2xx answer that is not JSON names the request and what it means', () => {
  test('on the secret PUT: the vault may have stored it, re-run with if-exists: reuse', async () => {
    world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: /\/secrets\/bad-json-put$/, status: 200, body: "{'id': 1}" })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'bad-json-put' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      `::error::Key Vault's answer to PUT https://${VAULT_HOST}/secrets/bad-json-put is not JSON (the secret PUT for 'bad-json-put'). ` +
        "A version may have been stored as secret 'bad-json-put': re-run with if-exists: reuse to keep it rather than store a second one " +
        `(az keyvault secret list-versions --vault-name ${VAULT} --name bad-json-put lists them).`
    ])
    expect(JSON.parse(result.outputs['secrets'] ?? 'null')).toEqual([])
    expect(result.summary).toContain('bad-json-put')
  })

  test('on the wrapkey: nothing was stored, re-run', async () => {
    world.azure.faults.add({ host: VAULT_HOST, method: 'POST', path: /\/wrapkey$/, status: 200, body: '<html>Sign in to the proxy</html>' })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'bad-json-wrap' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::Key Vault's answer to POST https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek\/wrapkey is not JSON \(the wrapkey request for key 'disk-kek'\)\. Nothing was stored; re-run the step\. .*bek-e2e\.vault\.azure\.net/
      )
    ])
    expect(world.versions('bad-json-wrap')).toHaveLength(0)
  })

  test('an error without a body says so, not "Key Vault said: : HTTP 400"', async () => {
    world.azure.faults.add({ host: VAULT_HOST, method: 'GET', path: /\/keys\/disk-kek/, status: 400 })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'no-body-400' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([`::error::Could not read the KEK in ${VAULT_HOST} (HTTP 400). Key Vault gave no reason`])
  })
})

describe('throttling is waited out only within bounds', () => {
  const throttled = (retryAfter: string) => ({
    host: VAULT_HOST,
    method: 'PUT',
    path: /\/secrets\//,
    status: 429,
    headers: { 'retry-after': retryAfter },
    body: { error: { code: 'Throttled', message: 'Request was not processed because too many requests were received.' } }
  })

  test('Retry-After: 86400 on the PUT fails fast, with advice', async () => {
    world.azure.faults.add(throttled('86400'))
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'throttled-day' })
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeLessThan(10_000)
    expect(errors(result)).toEqual([
      "::error::Key Vault throttled the secret PUT for 'throttled-day' (HTTP 429) and asked to wait 86400 s, longer than the 60 s this action waits. " +
        `To stay under the vault's limits, lower max-parallel, or run fewer jobs against ${VAULT} at once; ` +
        'for a batch, re-run with if-exists: reuse to keep the BEKs already stored.'
    ])
    expect(world.versions('throttled-day')).toHaveLength(0)
    expect(world.azure.requests.filter((r) => r.method === 'PUT')).toHaveLength(1)
  }, 30_000)

  test('a wait that would end past the deadline fails now, naming it', async () => {
    world.azure.faults.add(throttled('45'))
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'throttled-deadline', 'timeout-seconds': '20' })
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeLessThan(10_000)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::Key Vault throttled the secret PUT for 'throttled-deadline' \(HTTP 429\) and asked to wait 45 s, past the step's deadline \(timeout-seconds: 20, 1\d s left\)\. Raise timeout-seconds, or lower max-parallel/
      )
    ])
  }, 30_000)

  test('a short wait is honoured, and the BEK stored once', async () => {
    world.azure.faults.add(throttled('2'))
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'throttled-briefly' })
    expect(result.exitCode).toBe(0)
    expect(result.durationMs).toBeGreaterThanOrEqual(2000)
    const puts = world.azure.requests.filter((r) => r.method === 'PUT')
    expect(puts).toHaveLength(2)
    expect(puts[1]!.startMs - puts[0]!.startMs).toBeGreaterThanOrEqual(2000)
    expect(world.versions('throttled-briefly')).toHaveLength(1)
  })
})

describe('a lost answer to the PUT stores the BEK exactly once', () => {
  const puts = (): number => world.azure.requests.filter((r) => r.method === 'PUT').length
  type Fault = Omit<Parameters<typeof world.azure.faults.add>[0], 'host' | 'method' | 'path'>
  /** A run with `fault` on the PUT of secret `name` that ends stored once: exit 0, no error, 1 PUT, 1 version, the output naming it. */
  async function storedOnce(name: string, fault: Fault) {
    world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: new RegExp(`/secrets/${name}$`), ...fault })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': name })
    expect(result.exitCode).toBe(0)
    expect(errors(result)).toEqual([])
    const versions = world.versions(name)
    expect(versions).toHaveLength(1)
    expect(puts()).toBe(1)
    expect(result.outputs['secret-url']).toBe(versions[0]!.id)
    return { result, version: versions[0]!.id.split('/').pop()! }
  }

  test('a reset after the stand-in stored it: its version is found, kept and reported', async () => {
    const { result, version } = await storedOnce('lost-answer', { resetAfterHandling: true })
    expect(result.stdout).toMatch(
      new RegExp(
        `The answer to PUT https://${VAULT_HOST}/secrets/lost-answer was lost \\(E[A-Z]+\\); the vault had stored version ${version}; not stored again\\.`
      )
    )
    expect(result.outputs['secret-version']).toBe(version)
    expect(result.summary).toContain(version)
  })

  test('among older versions (if-exists: new-version), the run finds its own', async () => {
    expect((await world.run({ 'os-type': 'linux', 'secret-name': 'lost-among' })).exitCode).toBe(0)
    world.azure.clearLogs()
    world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: /\/secrets\/lost-among$/, resetAfterHandling: true })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'lost-among', 'if-exists': 'new-version' })
    expect(result.exitCode).toBe(0)
    const versions = world.versions('lost-among')
    expect(versions).toHaveLength(2)
    expect(puts()).toBe(1)
    expect(result.outputs['secret-url']).toBe(versions[1]!.id)
    expect(result.stdout).toContain(`the vault had stored version ${versions[1]!.id.split('/').pop()}; not stored again.`)
  })

  test('an answer stalled past the 30 s attempt timeout after the stand-in stored it: found, not stored again', async () => {
    const { result, version } = await storedOnce('stalled-answer', { stallAfterHandling: true })
    expect(result.stdout).toContain(
      `The answer to PUT https://${VAULT_HOST}/secrets/stalled-answer was lost (ETIMEDOUT); the vault had stored version ${version}; not stored again.`
    )
    // The attempt's timeout (30 s without a byte) ended the wait, not the step's deadline (300 s).
    expect(result.durationMs).toBeGreaterThanOrEqual(29_000)
    expect(result.durationMs).toBeLessThan(60_000)
    expect(result.outputs['secret-version']).toBe(version)
  }, 90_000)

  test('a 502 from a gateway after the stand-in stored it: found, not stored again', async () => {
    const gateway = { error: { code: 'BadGateway', message: 'The gateway got no answer in time.' } }
    const { result, version } = await storedOnce('gateway-502', { statusAfterHandling: 502, body: gateway })
    expect(result.stdout).toContain(
      `PUT https://${VAULT_HOST}/secrets/gateway-502 failed (HTTP 502), perhaps after the vault stored it; the vault had stored version ${version}; not stored again.`
    )
  })

  test('a 503 before the stand-in stored it: checked, sent again, stored once', async () => {
    const unavailable = { error: { code: 'ServiceUnavailable', message: 'The service is unavailable.' } }
    world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: /\/secrets\/unavailable-once$/, status: 503, body: unavailable })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'unavailable-once' })
    expect(result.exitCode).toBe(0)
    expect(world.versions('unavailable-once')).toHaveLength(1)
    expect(puts()).toBe(2)
    expect(result.stdout).toContain(
      'unavailable-once failed (HTTP 503), perhaps after the vault stored it; the vault had not stored it; sending it again.'
    )
  })

  test('a PUT that keeps failing: sent 3 times, each after checking, then nothing stored and said so', async () => {
    const failing = { error: { code: 'InternalServerError', message: 'Something went wrong.' } }
    world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: /\/secrets\/always-500$/, status: 500, body: failing, times: 5 })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'always-500' })
    expect(result.exitCode).toBe(1)
    expect(world.versions('always-500')).toHaveLength(0)
    expect(puts()).toBe(3)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::PUT https:\/\/bek-e2e\.vault\.azure\.net\/secrets\/always-500 failed \(HTTP 500\), perhaps after the vault stored it, 3 times, and the vault has no version of 'always-500' from this run: nothing was stored\. .*Something went wrong.* Re-run the step\.$/
      )
    ])
    expect(JSON.parse(result.outputs['secrets'] ?? 'null')).toEqual([])
  })

  test('a reset before the stand-in stored it: sent again, stored once', async () => {
    world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: /\/secrets\/lost-unstored$/, reset: true })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'lost-unstored' })
    expect(result.exitCode).toBe(0)
    expect(world.versions('lost-unstored')).toHaveLength(1)
    expect(puts()).toBe(2)
    expect(result.stdout).toMatch(/lost-unstored was lost \(E[A-Z]+\); the vault had not stored it; sending it again\./)
    expect(result.outputs['secret-url']).toBe(world.versions('lost-unstored')[0]!.id)
  })
})

test('a 200 whose body never ends: the step ends within its deadline, in bounded memory', async () => {
  world.azure.faults.add({ host: VAULT_HOST, method: 'POST', path: /\/wrapkey$/, endlessBody: true })
  const result = await world.run({ 'os-type': 'linux', 'secret-name': 'endless', 'timeout-seconds': '10' }, { measureMemory: true })
  expect(result.exitCode).toBe(1)
  expect(result.durationMs).toBeLessThan(15_000)
  expect(errors(result)).toEqual([
    expect.stringMatching(
      /^::error::Key Vault's answer to POST \S+\/wrapkey is larger than 1 MiB \(the wrapkey request for key 'disk-kek'\)\. Nothing was stored/
    )
  ])
  // Peak resident set size of the step's process (getrusage at exit, see emulator/peak-memory.ts).
  expect(result.peakRssKiB).toBeGreaterThan(0)
  expect(result.peakRssKiB).toBeLessThan(300 * 1024)
  expect(world.versions('endless')).toHaveLength(0)
})
