/**
 * Whatever goes wrong around the answers, the outcome is exact: the step's result and its one
 * error are printed, and what the vault stored is said, never guessed or doubled.
 */
import { describe, expect, test } from '@jest/globals'
import { VAULT, errors, useWorld } from './world.ts'

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
      "::error::Key Vault answered the secret PUT for 'bad-json-put' with something that is not JSON. The vault may have stored it: " +
        're-run with if-exists: reuse to keep what it stored rather than store a second version ' +
        `(az keyvault secret list-versions --vault-name ${VAULT} --name bad-json-put shows it).`
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
        /^::error::Key Vault answered the wrapkey request for key 'disk-kek' with something that is not JSON; nothing was stored\. Re-run the step; .*bek-e2e\.vault\.azure\.net/
      )
    ])
    expect(world.versions('bad-json-wrap')).toHaveLength(0)
  })

  test('an error without a body says so, not "Key Vault said: : HTTP 307"', async () => {
    world.azure.faults.add({ host: VAULT_HOST, method: 'GET', path: /\/keys\/disk-kek/, status: 307 })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'no-body-307' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([`::error::Could not read the KEK in ${VAULT_HOST} (HTTP 307). Key Vault gave no reason`])
  })
})
