/**
 * The whole step's deadline (input timeout-seconds). When it passes, the requests still
 * unanswered are named, every connection is ended so nothing in flight holds the process, and
 * the work racing the deadline fails with one actionable error; the caller then reports what
 * was stored, as for any failure part-way through a batch.
 */
import { ActionableError } from '../runner/actionable-error.ts'
import type { Connections, PendingRequest } from './connections.ts'
import { untrusted } from '../runner/untrusted.ts'

export class StepDeadline {
  readonly seconds: number
  readonly #endsAt: number
  readonly #timer: NodeJS.Timeout
  readonly #passed: Promise<never>
  readonly #abort = new AbortController()
  #expired = false

  constructor(seconds: number, connections: Connections) {
    this.seconds = seconds
    this.#endsAt = Date.now() + seconds * 1000
    let fail: (error: Error) => void = () => undefined
    this.#passed = new Promise<never>((_, reject) => (fail = reject))
    this.#passed.catch(() => undefined)
    this.#timer = setTimeout(() => {
      this.#expired = true
      const error = new ActionableError(describeExpiry(seconds, connections.pending()))
      connections.close()
      fail(error)
      this.#abort.abort(error)
    }, seconds * 1000)
    // Requests in flight keep the process alive; the deadline alone never should.
    this.#timer.unref()
  }

  get expired(): boolean {
    return this.#expired
  }

  /** Aborted when the deadline passes: a wait given it ends then (a retry's back-off, say). */
  get signal(): AbortSignal {
    return this.#abort.signal
  }

  remainingMs(): number {
    return this.#endsAt - Date.now()
  }

  /** `work`'s outcome, or the deadline's error if it passes first. */
  readonly race = <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => undefined)
    return Promise.race([work, this.#passed])
  }

  /** The step is over: the deadline no longer holds the process. */
  end(): void {
    clearTimeout(this.#timer)
  }
}

function describeExpiry(seconds: number, pending: readonly PendingRequest[]): string {
  const now = Date.now()
  const waiting = pending.map(
    (request) =>
      `${untrusted(request.host)} (${request.method} ${untrusted(request.path, 200)}, ${((now - request.since) / 1000).toFixed(1)} s)`
  )
  const what = waiting.length
    ? `no answer had come from ${waiting.join(', ')}`
    : 'the step was still waiting (for throttling or between retries), with no request unanswered'
  const stored = pending
    .filter((request) => request.method === 'PUT' && request.path.startsWith('/secrets/'))
    .map((request) => untrusted(decodeURIComponent(request.path.split('/')[2] ?? '')))
  const mayExist = stored.length
    ? ` The vault may have stored ${stored.join(', ')} before the answer was lost: re-run with if-exists: reuse to keep it rather than make another.`
    : ''
  return (
    `The step's deadline (timeout-seconds: ${seconds}) passed: ${what}. ` +
    `Check the service's health (Azure status, githubstatus.com) and the runner's network and proxy, then re-run; ` +
    `raise timeout-seconds for a large batch.${mayExist}`
  )
}
