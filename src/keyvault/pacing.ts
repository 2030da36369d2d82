/**
 * Client-side pacing that keeps a batch under Key Vault's per-vault limits, so a batch runs
 * at the vault's pace instead of storming it and living on 429s.
 * https://learn.microsoft.com/azure/key-vault/general/service-limits
 */

/** Share of a documented limit to use: leaves room for other clients and clock skew. */
const SHARE = 0.95
const WINDOW_SECONDS = 10
const SECRET_CREATES_PER_WINDOW = 300
/** Reads of secret and key versions and lists: "all transactions" of a vault, RSA-2048 software keys' GET. */
const READS_PER_WINDOW = 4000

/** RSA operations (wrap, unwrap) per 10 s for one vault, by key type and size. */
const KEY_OPS_PER_WINDOW: Readonly<Record<'software' | 'hsm', Readonly<Record<number, number>>>> = {
  software: { 2048: 4000, 3072: 1000, 4096: 500 },
  hsm: { 2048: 2000, 3072: 500, 4096: 250 }
}

/** A token bucket: `rate` per second on average, at most `burst` at once, first come first served. */
export class TokenBucket {
  #rate: number
  readonly #burst: number
  #tokens: number
  #updated = Date.now()
  #queue: Promise<void> = Promise.resolve()

  constructor(rate: number, burst: number) {
    this.#rate = rate
    this.#burst = burst
    this.#tokens = burst
  }

  setRate(rate: number): void {
    this.#refill()
    this.#rate = rate
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    const turn = this.#queue.then(async () => {
      this.#refill()
      if (this.#tokens < 1) {
        await new Promise((resolve) => setTimeout(resolve, ((1 - this.#tokens) / this.#rate) * 1000))
        this.#refill()
      }
      this.#tokens -= 1
    })
    this.#queue = turn
    return turn
  }

  #refill(): void {
    const now = Date.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updated) / 1000) * this.#rate)
    this.#updated = now
  }
}

/**
 * A bucket that never sends more than `SHARE` of `perWindow` requests in any window:
 * burst + rate · window ≤ SHARE · limit.
 */
function bucketFor(perWindow: number): TokenBucket {
  const burst = burstFor(perWindow)
  return new TokenBucket(rateFor(perWindow, burst), burst)
}

const burstFor = (perWindow: number): number => Math.max(1, Math.floor(perWindow * (1 - SHARE)) - 5)
const rateFor = (perWindow: number, burst: number): number => (perWindow * SHARE - burst) / WINDOW_SECONDS

export class VaultPacer {
  readonly secretCreates = bucketFor(SECRET_CREATES_PER_WINDOW)
  /** Until the KEK is known, assume the slowest kind (RSA-4096 in an HSM). */
  readonly keyOperations = bucketFor(KEY_OPS_PER_WINDOW.hsm[4096])

  /** Sets the pace of key operations once the KEK's type and size are known. */
  useKek(kek: { hsm: boolean; bits: number }): void {
    const table = KEY_OPS_PER_WINDOW[kek.hsm ? 'hsm' : 'software']
    const perWindow = table[kek.bits] ?? table[4096]
    this.keyOperations.setRate(rateFor(perWindow, burstFor(KEY_OPS_PER_WINDOW.hsm[4096])))
  }
}

/** Reads (GETs and list pages) of one vault. */
export function readBucket(): TokenBucket {
  return bucketFor(READS_PER_WINDOW)
}

/** Unwraps in one vault, at the pace of the slowest of its KEKs (unknown ones count as the slowest kind). */
export function unwrapBucket(keks: ReadonlyArray<{ hsm: boolean; bits: number }>): TokenBucket {
  const limits = keks.map((kek) => KEY_OPS_PER_WINDOW[kek.hsm ? 'hsm' : 'software'][kek.bits] ?? KEY_OPS_PER_WINDOW.hsm[4096])
  return bucketFor(Math.min(KEY_OPS_PER_WINDOW.software[2048], ...(limits.length > 0 ? limits : [KEY_OPS_PER_WINDOW.hsm[4096]])))
}
