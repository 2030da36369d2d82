/**
 * How Key Vault requests are retried: transient failures (network errors, 408, 429, 5xx) with
 * exponential back-off, and 429/503 after the wait the vault asks for (Retry-After), as the
 * SDK's default policy does, with three limits of this action's own:
 * - a wait the vault asks for is honoured up to MAX_WAIT_MS; a longer one fails the request at
 *   once, with advice, rather than holding the job for as long as the vault says (a day, say);
 * - no wait runs past the step's deadline: one that would end after it fails now, and the
 *   deadline aborts the requests and waits under way;
 * - a PUT is not sent again after a failure that leaves its outcome unknown (a network error, a
 *   timeout, a 5xx): the vault may have stored the version whose answer was lost, so the caller
 *   finds out what was stored before deciding (see secret.ts). A 429 was not acted on: waited out.
 *   A restore (POST /keys/restore, /secrets/restore) is such a write too: the caller reads the
 *   key or secret to find out whether a lost answer's restore was done.
 */
import { setMaxListeners } from 'node:events'
import { type PipelinePolicy, type PipelineResponse, type RetryStrategy, RestError, retryPolicy } from '@azure/core-rest-pipeline'

/** The longest wait a throttled request is given before it is sent again. */
export const MAX_WAIT_MS = 60_000
/**
 * How often a throttled request is sent again after waiting as asked. A vault shared with other
 * clients can throttle one request several times running; the step deadline bounds the waiting.
 */
export const MAX_THROTTLED_RETRIES = 10
/** How often a request is sent again after any other transient failure. */
const MAX_RETRIES = 3
const BACK_OFF_MS = 1000
/** Network errors after which a request may or may not have reached the vault. */
const NETWORK_ERRORS = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ENOENT', 'ENOTFOUND'])
const RETRY_AFTER_HEADERS: ReadonlyArray<[string, number]> = [
  ['retry-after-ms', 1],
  ['x-ms-retry-after-ms', 1],
  ['retry-after', 1000]
]

/** What the retries need of the step's deadline. */
export interface DeadlineClock {
  readonly seconds: number
  /** Aborted when the deadline passes. */
  readonly signal: AbortSignal
  remainingMs(): number
}

/** A throttled request whose wait would be longer than MAX_WAIT_MS, or end past the deadline. */
export class WaitRefused extends RestError {
  readonly waitMs: number
  /** Set when the wait is within MAX_WAIT_MS but the deadline comes first. */
  readonly deadline?: { readonly seconds: number; readonly remainingMs: number }
  constructor(response: PipelineResponse, waitMs: number, deadline?: WaitRefused['deadline']) {
    super(`HTTP ${response.status}: asked to wait ${Math.ceil(waitMs / 1000)} s`, {
      statusCode: response.status,
      request: response.request,
      response
    })
    // RestError's constructor sets its own prototype, which would hide this class from instanceof.
    Object.setPrototypeOf(this, WaitRefused.prototype)
    this.waitMs = waitMs
    this.deadline = deadline
  }
}

export function isNetworkError(error: unknown): error is RestError {
  return error instanceof RestError && NETWORK_ERRORS.has(error.code ?? '')
}

/** A connection lost before or while the answer was read: the request's code, or undefined. */
export function lostConnection(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && (NETWORK_ERRORS.has(code) || code === 'ERR_STREAM_PREMATURE_CLOSE') ? code : undefined
}

/** A status after which a write may have been done: the vault, or a gateway in front of it, failed after the request arrived. */
export const outcomeUnknown = (status: number): boolean => status >= 500

export function vaultRetryPolicy(deadline: DeadlineClock): PipelinePolicy {
  // Every request in flight listens on the one signal; a batch has many.
  setMaxListeners(0, deadline.signal)
  return {
    name: 'vaultRetry',
    sendRequest(request, next) {
      request.abortSignal ??= deadline.signal
      const write = request.method === 'PUT' || isRestore(request.url)
      const strategies = [boundedThrottling(deadline, write), ...(write ? [noResendAfterNetworkError] : []), backOff(deadline, write)]
      return retryPolicy(strategies, { maxRetries: MAX_THROTTLED_RETRIES }).sendRequest(request, next)
    }
  }
}

/** POST /keys/restore or /secrets/restore: the vault may have restored it when the answer is lost. */
function isRestore(url: string): boolean {
  return /^\/(keys|secrets)\/restore\/?$/i.test(new URL(url).pathname)
}

/** `write`: only a 429 is waited out; a 503 may come from a gateway after the vault stored the PUT. */
function boundedThrottling(deadline: DeadlineClock, write: boolean): RetryStrategy {
  return {
    name: 'boundedThrottling',
    retry({ response }) {
      const throttled = response && (response.status === 429 || (!write && response.status === 503))
      const waitMs = throttled ? retryAfterMs(response) : undefined
      if (!response || waitMs === undefined) return { skipStrategy: true }
      if (waitMs > MAX_WAIT_MS) return { errorToThrow: new WaitRefused(response, waitMs) }
      const remainingMs = deadline.remainingMs()
      if (waitMs >= remainingMs) return { errorToThrow: new WaitRefused(response, waitMs, { seconds: deadline.seconds, remainingMs }) }
      return { retryAfterInMs: waitMs }
    }
  }
}

const noResendAfterNetworkError: RetryStrategy = {
  name: 'noResendAfterNetworkError',
  retry: ({ responseError }) => (isNetworkError(responseError) ? { errorToThrow: responseError } : { skipStrategy: true })
}

/**
 * Exponential back-off with jitter for transient failures, MAX_RETRIES times and never past the
 * deadline; `write`: a 5xx is returned, not resent. Made per request: it counts its own retries.
 */
function backOff(deadline: DeadlineClock, write: boolean): RetryStrategy {
  let retries = 0
  return {
    name: 'boundedBackOff',
    retry({ response, responseError }) {
      const status = response?.status ?? 0
      const serverError = outcomeUnknown(status) && status !== 501 && status !== 505
      const transient = isNetworkError(responseError) || status === 408 || status === 429 || (!write && serverError)
      const delayMs = BACK_OFF_MS * 2 ** retries * (0.8 + Math.random() * 0.4)
      if (transient && retries < MAX_RETRIES && delayMs < deadline.remainingMs()) {
        retries += 1
        return { retryAfterInMs: delayMs }
      }
      // The last answer stands: a response is returned as it is, an error thrown.
      return responseError ? { errorToThrow: responseError } : { skipStrategy: true }
    }
  }
}

/** The wait a throttled answer asks for, in ms: Retry-After in seconds or as a date, or the ms headers. */
function retryAfterMs(response: PipelineResponse): number | undefined {
  for (const [header, scale] of RETRY_AFTER_HEADERS) {
    const value = response.headers.get(header)?.trim()
    if (!value) continue
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * scale
    const date = header === 'retry-after' ? Date.parse(value) : Number.NaN
    if (Number.isFinite(date)) return Math.max(0, date - Date.now())
  }
  return undefined
}
