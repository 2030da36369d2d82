/**
 * The inventory and rewrap sub-actions without GITHUB_STEP_SUMMARY (GitHub's local runner, older
 * GHES runners): the missing summary is a warning, and the step's real outcome stands, its
 * outputs set and its own single error printed.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../emulator/runner.ts'
import { KEK, VAULT, errors, useWorld } from './world.ts'

const world = useWorld()
const NO_SUMMARY = /^::warning::The job summary was not written \(.*GITHUB_STEP_SUMMARY.*\); the outputs and this log have the result\.$/m
const kid = (version: string): string => `https://${VAULT}.vault.azure.net/keys/${KEK}/${version}`
const versions: Record<string, string> = {}

function subAction(name: 'inventory' | 'rewrap', inputs: Record<string, string>): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  return runAction({
    localAzure: world.azure,
    entry: join(process.cwd(), 'dist', name, 'index.js'),
    inputs: { 'key-vault': VAULT, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    env: { GITHUB_STEP_SUMMARY: '' },
    timeoutMs: 60_000
  })
}

beforeAll(async () => {
  expect((await world.run({ 'os-type': 'linux', 'secret-name': 'bek-one' })).exitCode).toBe(0)
  versions.v1 = world.kekVersion
  // A rotation: the BEK's KEK version is no longer the current one.
  versions.v2 = (await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })).version
})

describe('inventory', () => {
  test('a success stays a success, with its outputs and a warning', async () => {
    const result = await subAction('inventory', {})
    expect(result.exitCode).toBe(0)
    expect(errors(result)).toEqual([])
    expect(result.stdout).toMatch(NO_SUMMARY)
    expect(result.outputs['at-risk-count']).toBe('0')
    expect(JSON.parse(result.outputs['kek-versions'] ?? 'null')).toEqual([
      { 'kek-url': kid(versions.v1!), state: 'not-current', reason: null, 'bek-count': 1 }
    ])
  })

  test('a failure prints its own error, once', async () => {
    const result = await subAction('inventory', { 'fail-on': 'not-current' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(NO_SUMMARY)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /^::error::1 BEK\(s\) have their latest version on a KEK version that is not its key's current, working version: /
      )
    ])
    expect(result.outputs['at-risk-count']).toBe('0')
  })
})

describe('rewrap', () => {
  test('a failure prints its own error, once, and stores nothing', async () => {
    const result = await subAction('rewrap', { 'kek-name': 'no-such-kek', 'secret-name': 'bek-one' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/^::error::The KEK was not found: .*no-such-kek\. Check kek-name/)])
    expect(world.versions('bek-one')).toHaveLength(1)
  })

  test('a success stays a success, with its outputs and a warning', async () => {
    const result = await subAction('rewrap', { 'kek-name': KEK, 'secret-name': 'bek-one' })
    expect(result.exitCode).toBe(0)
    expect(errors(result)).toEqual([])
    expect(result.stdout).toMatch(NO_SUMMARY)
    const stored = world.versions('bek-one')
    expect(stored).toHaveLength(2)
    expect(JSON.parse(result.outputs['rewrapped'] ?? 'null')).toEqual([
      expect.objectContaining({ name: 'bek-one', 'secret-url': stored[1]!.id, 'kek-url': kid(versions.v2!) })
    ])
  })
})
