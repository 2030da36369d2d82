import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals'
import { TokenBucket, VaultPacer } from '../../src/keyvault/pacing.ts'

beforeEach(() => {
  jest.useFakeTimers()
})
afterEach(() => {
  jest.useRealTimers()
})

/** Takes `count` tokens and returns when (in fake ms from now) each was granted. */
async function grants(bucket: TokenBucket, count: number): Promise<number[]> {
  const start = Date.now()
  const times: number[] = []
  const all = Array.from({ length: count }, () => bucket.take().then(() => times.push(Date.now() - start)))
  while (times.length < count) await jest.advanceTimersByTimeAsync(5)
  await Promise.all(all)
  return times
}

describe('TokenBucket', () => {
  test('grants the burst at once, then paces at the rate', async () => {
    const times = await grants(new TokenBucket(10, 3), 8)
    expect(times.slice(0, 3)).toEqual([0, 0, 0])
    // 5 more at 10 per second: the last one after 0.5 s
    expect(times[7]).toBeGreaterThanOrEqual(495)
    expect(times[7]).toBeLessThan(560)
  })

  test('never exceeds burst + rate·window in any window', async () => {
    const times = await grants(new TokenBucket(20, 5), 60)
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(25)
  })
})

describe('VaultPacer', () => {
  test('keeps secret creates under 300 per 10 s and near it', async () => {
    const times = await grants(new VaultPacer().secretCreates, 400)
    const perWindow = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 10000).length))
    expect(perWindow).toBeLessThanOrEqual(285)
    expect(perWindow).toBeGreaterThanOrEqual(270)
  })

  test('paces key operations by the KEK: RSA-2048 software keys much faster than RSA-4096 HSM keys', async () => {
    const slow = new VaultPacer()
    const fast = new VaultPacer()
    fast.useKek({ hsm: false, bits: 2048 })
    const [slowTimes, fastTimes] = [await grants(slow.keyOperations, 60), await grants(fast.keyOperations, 60)]
    expect(slowTimes[59]).toBeGreaterThan(2000) // ~23.75 per second
    expect(fastTimes[59]).toBeLessThan(200) // ~380 per second
  })
})
