import { describe, expect, test } from '@jest/globals'
import { useWorld } from '../world.ts'

const world = useWorld()

/** The stdout line numbers of lines that start with `prefix`. */
const linesOf = (stdout: string, prefix: string): number[] =>
  stdout
    .split('\n')
    .map((line, i) => (line.startsWith(prefix) ? i : -1))
    .filter((i) => i >= 0)

describe('the log tells the story in order', () => {
  test('one BEK: "making 1 wrapped BEK", then Stored, then Verified', async () => {
    const result = await world.run({ 'secret-name': 'log-order-one', verify: 'true' })
    expect(result.exitCode).toBe(0)
    const url = result.outputs['secret-url']!
    expect(result.stdout).toMatch(/; making 1 wrapped BEK in https:\/\/bek-e2e\.vault\.azure\.net\n/)
    expect(result.stdout).not.toContain('BEK(s)')
    const stored = linesOf(result.stdout, `Stored ${url} (KEK `)
    const verified = linesOf(result.stdout, `Verified: the vault unwraps ${url} to the key.`)
    expect(stored).toHaveLength(1)
    expect(verified).toHaveLength(1)
    expect(stored[0]).toBeLessThan(verified[0])
  })

  test('a batch: "making 3 wrapped BEKs", and each BEK is Stored before it is Verified', async () => {
    const result = await world.run({ count: '3', verify: 'true' })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('; making 3 wrapped BEKs in https://bek-e2e.vault.azure.net\n')
    const secrets = JSON.parse(result.outputs['secrets']!) as Array<{ 'secret-url': string }>
    expect(secrets).toHaveLength(3)
    for (const { 'secret-url': url } of secrets) {
      const stored = linesOf(result.stdout, `Stored ${url} (KEK `)
      const verified = linesOf(result.stdout, `Verified: the vault unwraps ${url} to the key.`)
      expect([stored.length, verified.length]).toEqual([1, 1])
      expect(stored[0]).toBeLessThan(verified[0])
    }
  })
})
