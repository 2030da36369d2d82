/**
 * Resource Manager's list calls through every page (`nextLink`), paced under its read limits:
 * a token bucket per subscription at 95 % of the documented refill (25 reads a second, bucket
 * of 250, per principal and subscription; learn.microsoft.com, "Understand how Azure Resource
 * Manager throttles requests"). A 429 that still comes is waited out by the pipeline's retry,
 * which honours Retry-After.
 */
import { TokenBucket } from '../keyvault/pacing.ts'
import { ActionableError } from '../runner/actionable-error.ts'
import type { ArmClient } from './client.ts'

const SHARE = 0.95
const READS_PER_SECOND = 25
const BUCKET = 250
/** Far more pages than any subscription has (Resource Manager pages hold up to 1,000 items). */
const MAX_PAGES = 10_000

/** One bucket per subscription, as Resource Manager counts; and at most `maxInFlight` requests at once (max-parallel). */
export class ArmPacer {
  readonly #buckets = new Map<string, TokenBucket>()
  readonly #maxInFlight: number
  #inFlight = 0
  readonly #waiting: Array<() => void> = []

  constructor(maxInFlight: number) {
    this.#maxInFlight = maxInFlight
  }

  /** Sends `request` when the subscription's bucket and the in-flight bound allow it. */
  async send<T>(subscriptionId: string, request: () => Promise<T>): Promise<T> {
    let bucket = this.#buckets.get(subscriptionId)
    if (!bucket) {
      bucket = new TokenBucket(READS_PER_SECOND * SHARE, Math.floor(BUCKET * SHARE) - 5)
      this.#buckets.set(subscriptionId, bucket)
    }
    while (this.#inFlight >= this.#maxInFlight) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    this.#inFlight++
    try {
      await bucket.take()
      return await request()
    } finally {
      this.#inFlight--
      this.#waiting.shift()?.()
    }
  }
}

/** Every item of a list, page after page; each page checked to be a list before its items are used. */
export async function listAll(
  client: ArmClient,
  pacer: ArmPacer,
  subscriptionId: string,
  path: string,
  apiVersion: string
): Promise<unknown[]> {
  const items: unknown[] = []
  let page = await pacer.send(subscriptionId, () => client.get<{ value?: unknown; nextLink?: unknown }>(path, apiVersion))
  const seen = new Set<string>()
  for (;;) {
    if (!page || typeof page !== 'object' || !Array.isArray(page.value)) {
      throw new ActionableError(`Azure Resource Manager answered the list ${path} without a value array; re-run the step.`)
    }
    items.push(...(page.value as unknown[]))
    if (page.nextLink === undefined || page.nextLink === null || page.nextLink === '') return items
    const link = String(page.nextLink)
    if (seen.has(link) || seen.size >= MAX_PAGES) {
      throw new ActionableError(`Azure Resource Manager kept answering the list ${path} with pages already read; re-run the step.`)
    }
    seen.add(link)
    page = await pacer.send(subscriptionId, () => client.getNextLink<{ value?: unknown; nextLink?: unknown }>(link))
  }
}
