/**
 * The worker pool every action uses: at most `max` items in flight, results in input order.
 * After the first failure no new item is started (a vault that refuses one will refuse the rest)
 * and the ones in flight finish, so the caller can say exactly what was done.
 */
export interface PoolResult<R> {
  /** Each item's result, in input order; undefined for an item that failed or was not started. */
  readonly results: ReadonlyArray<R | undefined>
  /** The first failure, if any. */
  readonly error?: unknown
}

export async function runPool<T, R>(items: readonly T[], max: number, work: (item: T) => Promise<R>): Promise<PoolResult<R>> {
  const results: Array<R | undefined> = new Array(items.length)
  let next = 0
  let failed = false
  let error: unknown
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++
      try {
        results[index] = await work(items[index])
      } catch (caught) {
        if (!failed) error = caught
        failed = true
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(max, items.length) }, worker))
  return failed ? { results, error } : { results }
}

/** runPool for work that fails whole: every result, or the first failure thrown. */
export async function inParallel<T, R>(items: readonly T[], max: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const pooled = await runPool(items, max, work)
  if ('error' in pooled) throw pooled.error
  return pooled.results as R[]
}
