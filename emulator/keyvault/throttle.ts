// Key Vault service limits (learn.microsoft.com/azure/key-vault/general/service-limits): per vault,
// per 10-second window. RSA operations share one budget weighted by key size and protection.
export type ThrottleBucket = 'secretWrite' | 'rsaOp' | 'other'

export interface ThrottleLimits {
  windowMs: number
  secretWrite: number
  /** Budget in "software RSA-2048 operations". */
  rsaOp: number
  other: number
}

export const DEFAULT_LIMITS: ThrottleLimits = { windowMs: 10_000, secretWrite: 300, rsaOp: 4000, other: 4000 }

/** Cost of one RSA operation in units of the SW RSA-2048 budget (4,000 / per-size limit). */
export function rsaWeight(keySize: number, hsm: boolean): number {
  const sw: Record<number, number> = { 2048: 1, 3072: 4, 4096: 8 }
  const hw: Record<number, number> = { 2048: 2, 3072: 8, 4096: 16 }
  return (hsm ? hw : sw)[keySize] ?? (hsm ? 16 : 8)
}

export class VaultThrottle {
  private readonly limits: ThrottleLimits
  private readonly windows = new Map<string, Array<{ at: number; weight: number }>>()

  constructor(limits: Partial<ThrottleLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits }
  }

  /** Records the request and returns undefined, or returns the Retry-After seconds (not recorded). */
  take(vault: string, bucket: ThrottleBucket, weight = 1): number | undefined {
    const key = `${vault}|${bucket}`
    const now = Date.now()
    const since = now - this.limits.windowMs
    const entries = (this.windows.get(key) ?? []).filter((e) => e.at > since)
    this.windows.set(key, entries)
    const limit = this.limits[bucket]
    let used = entries.reduce((n, e) => n + e.weight, 0)
    if (used + weight <= limit) {
      entries.push({ at: now, weight })
      return undefined
    }
    // The window frees up as the oldest entries age out; find when enough budget is back.
    let freeAt = now + this.limits.windowMs
    for (const e of entries) {
      used -= e.weight
      if (used + weight <= limit) {
        freeAt = e.at + this.limits.windowMs
        break
      }
    }
    return Math.max(1, Math.ceil((freeAt - now) / 1000))
  }
}
