/**
 * Issue 19, item 13: a dry run checks what it can without writing. Each old KEK version must be
 * readable and enabled, this identity must be able to unwrap with it (the value is unwrapped and
 * zeroed) and to wrap with the target (one throw-away key). A secret that would fail is reported
 * as failing, by name with what to do, never as "Would rewrap"; nothing is stored either way.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { VAULT, errors, useWorld } from '../world.ts'
import { RewrapWorld, errorFor } from './rewrap-world.ts'

const world = useWorld()
const r = new RewrapWorld(world)
const NAMES = ['dry-1', 'dry-2']

beforeAll(async () => {
  r.v1 = r.rememberKek()
  for (const name of NAMES) r.seed(name)
  await world.azure.keyVault.createKey(VAULT, 'disk-kek', { size: 3072 })
})

const forbidden = {
  error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.', innererror: { code: 'ForbiddenByRbac' } }
}
const writes = (): unknown[] => world.azure.requests.filter((q) => q.method === 'PUT' || q.method === 'PATCH')

describe('rewrap dry run', () => {
  test('an old KEK version that is disabled: each secret would fail, saying how to re-enable it; none "Would rewrap"', async () => {
    world.azure.keyVault.updateKey(VAULT, 'disk-kek', { enabled: false }, r.v1)
    try {
      const result = await r.rewrap({ 'dry-run': 'true' })
      expect(result.exitCode).toBe(1)
      for (const name of NAMES) {
        expect(errorFor(result, name)).toContain(
          `${name}: would fail: Its KEK version https://bek-e2e.vault.azure.net/keys/disk-kek/${r.v1} is disabled`
        )
        expect(errorFor(result, name)).toContain(`az keyvault key set-attributes --vault-name bek-e2e --name disk-kek --version ${r.v1}`)
      }
      expect(result.stdout).not.toContain('Would rewrap')
      expect(errors(result).at(-1)).toContain('2 of 2 secret(s) would not be rewrapped')
      expect(writes()).toEqual([])
    } finally {
      world.azure.keyVault.updateKey(VAULT, 'disk-kek', { enabled: true }, r.v1)
    }
  }, 60_000)

  test('an identity that may not unwrap with the old KEK: that secret would fail, naming the role; the other would be rewrapped', async () => {
    world.azure.faults.add({ method: 'POST', path: new RegExp(`^/keys/disk-kek/${r.v1}/unwrapkey`), status: 403, body: forbidden })
    const result = await r.rewrap({ 'dry-run': 'true', 'max-parallel': '1' })
    expect(result.exitCode).toBe(1)
    expect(errorFor(result, 'dry-1')).toContain('may not unwrap the BEK with the KEK version its tag names')
    expect(errorFor(result, 'dry-1')).toContain('Key Vault Crypto Service Encryption User')
    expect(result.stdout).toContain('Would rewrap dry-2')
    expect(result.stdout).not.toContain('Would rewrap dry-1')
    expect(writes()).toEqual([])
  }, 60_000)

  test('an identity that may not wrap with the target: every secret would fail', async () => {
    world.azure.faults.add({ method: 'POST', path: /\/wrapkey/, status: 403, body: forbidden, times: 5 })
    const result = await r.rewrap({ 'dry-run': 'true' })
    expect(result.exitCode).toBe(1)
    for (const name of NAMES) expect(errorFor(result, name)).toContain('may not wrap the key with the KEK')
    expect(result.stdout).not.toContain('Would rewrap')
    expect(writes()).toEqual([])
  }, 60_000)

  test('with everything in place it passes and stores nothing', async () => {
    const result = await r.rewrap({ 'dry-run': 'true' })
    expect(errors(result)).toEqual([])
    for (const name of NAMES) expect(result.stdout).toContain(`Would rewrap ${name}`)
    expect(writes()).toEqual([])
    for (const name of NAMES) expect(world.versions(name)).toHaveLength(1)
  }, 60_000)
})
