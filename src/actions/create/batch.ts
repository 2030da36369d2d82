/**
 * Makes every requested BEK with at most `max-parallel` in flight (the worker pool: after the
 * first failure no new BEK starts, and the ones in flight finish), so the caller can report
 * exactly what was stored.
 */
import { type Bek, type BekJob, makeBek } from './bek.ts'
import type { Settings } from './inputs.ts'
import { runPool } from '../../runner/pool.ts'

export interface BatchResult {
  /** Stored (or reused) BEKs, in input order. */
  readonly beks: Bek[]
  /** The first failure, if any. */
  readonly error?: unknown
  /** Names that were not made. */
  readonly missing: string[]
}

/** `race` bounds each BEK's work (the step deadline); what finished before it still counts. */
export async function makeBeks(
  job: BekJob,
  names: readonly string[],
  maxParallel: number,
  race: <T>(work: Promise<T>) => Promise<T> = (work) => work
): Promise<BatchResult> {
  const { results, error } = await runPool(names, maxParallel, (name) => race(makeBek(job, name)))
  return {
    beks: results.filter((bek): bek is Bek => bek !== undefined),
    error,
    missing: names.filter((_, index) => results[index] === undefined)
  }
}

/** What a re-run should look like after some BEKs of a batch were stored. */
export function batchFailureAdvice(settings: Settings, stored: number): string {
  const total = settings.secretNames.length
  if (stored === 0 || total === 1) return ''
  const rest = !settings.secretNamesMayExist
    ? `generated names differ on every run, so run again with count: ${total - stored} to make the rest.`
    : settings.ifExists === 'reuse'
      ? 're-run to make the rest: if-exists: reuse keeps the stored ones.'
      : 're-run with if-exists: reuse to make the rest without duplicates.'
  return ` ${stored} of ${total} BEKs were stored (see the secrets output); ${rest}`
}
