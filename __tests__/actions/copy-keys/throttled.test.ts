/**
 * copy-keys against throttling vaults that leave it less than Key Vault's documented budget (as
 * when another client shares them): 429s come back from the source's unwraps and the target's
 * wraps and writes, and must be waited out, per vault. Nothing may be lost or stored twice, and
 * nothing leaks with debug logging on.
 */
import { beforeAll, expect, test } from '@jest/globals'
import { errors, useWorld } from '../world.ts'
import { CopyWorld, SOURCE, TARGET, TARGET_KEK } from './copy-world.ts'

const COUNT = 30
// 10 secret writes and 40 RSA operations per 3 s in each vault: well under what the action paces itself to.
const world = useWorld({ throttling: true, throttleLimits: { windowMs: 3000, secretWrite: 10, rsaOp: 40 * 4, other: 1000 } })
const c = new CopyWorld(world)
const names = Array.from({ length: COUNT }, (_, i) => `bek-${String(i).padStart(2, '0')}`)

beforeAll(async () => {
  await c.provision()
  for (const name of names) c.seed(name)
})

test(`${COUNT} BEKs: every 429 waited out, each copied exactly once, same bytes`, async () => {
  const result = await c.copy({
    'secret-url': names.map((n) => c.secretUrl(n)).join('\n'),
    'target-kek-name': TARGET_KEK,
    'create-kek': 'true'
  })
  expect(errors(result)).toEqual([])
  expect(result.exitCode).toBe(0)
  const throttled = world.azure.requests.filter((r) => r.status === 429)
  expect(throttled.length).toBeGreaterThan(0)
  // The only other refusals: the reads that find no target secret and no target KEK yet (create-kek).
  const expected404 = (r: { status: number; operation?: string }): boolean =>
    r.status === 404 && ['getSecret', 'getKey'].includes(r.operation ?? '')
  expect(world.azure.requests.filter((r) => r.status >= 400 && r.status !== 429 && !expected404(r))).toEqual([])
  const ok = (host: string, operation: string): number =>
    world.azure.requests.filter((r) => r.host.startsWith(`${host}.`) && r.operation === operation && r.status === 200).length
  expect(ok(SOURCE, 'unwrapKey')).toBe(COUNT)
  expect(ok(TARGET, 'wrapKey')).toBe(COUNT)
  expect(ok(TARGET, 'setSecret')).toBe(COUNT)
  for (const name of names) {
    const versions = world.azure.keyVault.getSecretVersions(TARGET, name) as Array<{ value: string }>
    expect(versions).toHaveLength(1)
    expect(c.unwrapTarget(versions[0]!.value, 'RSA-OAEP').equals(c.plaintext.get(name)!)).toBe(true)
  }
})
