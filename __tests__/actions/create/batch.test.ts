import { describe, expect, test } from '@jest/globals'
import { VAULT, useWorld, errors } from '../world.ts'

const world = useWorld()

interface Entry {
  name: string
  'secret-url': string
  'secret-version': string
  'kek-url': string
}

describe('many BEKs in one step', () => {
  test('count: that many BEKs, one sign-in, one KEK read, the secrets output in order', async () => {
    const result = await world.run({ count: '25', 'os-type': 'linux' })
    expect(errors(result)).toEqual([])
    const secrets = JSON.parse(result.outputs.secrets) as Entry[]
    expect(secrets).toHaveLength(25)
    expect(new Set(secrets.map((s) => s.name)).size).toBe(25)
    for (const entry of secrets) {
      const [stored, ...more] = world.versions(entry.name)
      expect(more).toEqual([])
      expect(stored.id).toBe(entry['secret-url'])
      expect(entry['kek-url']).toBe(`https://${VAULT}.vault.azure.net/keys/disk-kek/${world.kekVersion}`)
      expect(world.unwrapLocally(stored.value, 'RSA-OAEP')).toHaveLength(32)
    }
    // Single outputs are for one BEK only.
    expect(result.outputs['secret-url']).toBeUndefined()
    const count = (operation: string) => world.azure.requests.filter((r) => r.operation === operation).length
    expect([count('token'), count('idToken'), count('getKey'), count('wrapKey'), count('setSecret')]).toEqual([1, 1, 1, 25, 25])
    expect(result.summary).toContain('Secrets (25)')
  })

  test('secret-name lines: one BEK per line, in input order, with at most max-parallel in flight', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `vm-order-${i}`)
    const result = await world.run({ 'secret-name': names.join('\n'), 'max-parallel': '3', 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    expect((JSON.parse(result.outputs.secrets) as Entry[]).map((s) => s.name)).toEqual(names)
    // never more than three vault requests of the BEKs overlap
    const vault = world.azure.requests.filter((r) => r.host.startsWith(VAULT) && r.operation !== 'getKey')
    const overlap = Math.max(
      ...vault.map((r) => vault.filter((o) => o.startMs <= r.startMs && o.startMs + o.durationMs > r.startMs).length)
    )
    expect(overlap).toBeLessThanOrEqual(3)
  })

  test('a partial failure fails the step, lists what was stored, and a re-run with reuse completes the rest without duplicates', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `vm-partial-${i}`)
    world.azure.faults.add({
      host: `${VAULT}.vault.azure.net`,
      method: 'PUT',
      path: /\/secrets\/vm-partial-6$/,
      times: 1,
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Operation denied by policy', innererror: { code: 'ForbiddenByPolicy' } } }
    })
    const first = await world.run({ 'secret-name': names.join('\n'), 'max-parallel': '2', 'os-type': 'linux' })
    expect(first.exitCode).toBe(1)
    const [error, ...more] = errors(first)
    expect(more).toEqual([])
    expect(error).toMatch(/Azure Policy.*of 10 BEKs were stored \(see the secrets output\); re-run with if-exists: reuse/)
    const stored = JSON.parse(first.outputs.secrets) as Entry[]
    expect(stored.map((s) => s.name)).not.toContain('vm-partial-6')
    expect(stored.length).toBeGreaterThanOrEqual(6)
    for (const entry of stored) expect(world.versions(entry.name)).toHaveLength(1)
    expect(world.versions('vm-partial-6')).toEqual([])
    expect(first.summary).toContain('Not created')
    expect(first.summary).toContain('vm-partial-6')

    const second = await world.run({ 'secret-name': names.join('\n'), 'if-exists': 'reuse', 'os-type': 'linux' })
    expect(errors(second)).toEqual([])
    const all = JSON.parse(second.outputs.secrets) as Entry[]
    expect(all.map((s) => s.name)).toEqual(names)
    for (const name of names) expect(world.versions(name)).toHaveLength(1)
    for (const entry of stored) expect(all.find((s) => s.name === entry.name)).toEqual(entry)
  })
})

describe('against a vault that throttles', () => {
  // A tiny window so the test is quick: 5 secret creates per second.
  const throttled = useWorld({ throttling: true, throttleLimits: { windowMs: 1000, secretWrite: 5 } })

  test('429s are waited out as the vault asks; every BEK is stored exactly once', async () => {
    const result = await throttled.run({ count: '12', 'os-type': 'linux' })
    expect(errors(result)).toEqual([])
    const secrets = JSON.parse(result.outputs.secrets) as Entry[]
    expect(secrets).toHaveLength(12)
    for (const entry of secrets) expect(throttled.versions(entry.name)).toHaveLength(1)
    expect(throttled.azure.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0)
  })
})
