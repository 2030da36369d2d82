/**
 * The job's GitHub OIDC token, which Entra ID exchanges for an access token through the
 * app's federated credential. Its claims (never the token) are kept to explain a rejection.
 */
import { request as httpsRequest } from 'node:https'
import * as core from '@actions/core'
import { ActionableError } from '../runner/actionable-error.ts'
import type { Connections } from '../net/connections.ts'
import { idTokenRequestUrl } from './id-token-request.ts'
import { untrusted } from '../runner/untrusted.ts'

export interface OidcClaims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | string[]
}

/**
 * MSAL asks for the assertion twice for one token request; a token this young is reused so
 * that costs one fetch, while a later token request (after the access token's hour) gets a
 * fresh one: GitHub's tokens live only 5-10 minutes.
 */
const REUSE_MS = 60_000

/** GitHub's answer is a few kilobytes; anything far larger is not it. */
const MAX_ANSWER_BYTES = 64 * 1024

/**
 * GitHub's token service answers 502, 503 or 504 while it is failing over or being deployed, and
 * a connection to it can be reset; @actions/core's getIDToken asks again after those, and so
 * does this, a bounded number of times with a growing pause, and never past the step's
 * deadline. A stalled answer is not asked again: the connection's idle timeout already waited.
 */
const RETRY_STATUSES = new Set([502, 503, 504])
const RETRY_ERRORS = new Set(['ECONNRESET', 'EPIPE'])
const MAX_ATTEMPTS = 5
const FIRST_PAUSE_MS = 500
const MAX_PAUSE_MS = 4000

/** What the retries need of the step's deadline. */
export interface TokenDeadline {
  remainingMs(): number
  /** Aborted when the deadline passes. */
  readonly signal: AbortSignal
}

/** A non-2xx answer of the token endpoint. */
class TokenEndpointError extends ActionableError {
  readonly status: number
  constructor(message: string, status: number) {
    super(message)
    this.status = status
  }
}

export class GitHubIdToken {
  readonly #audience: string
  readonly #connections: Connections
  readonly #url: URL
  readonly #deadline?: TokenDeadline
  #latest?: { token: Promise<string>; at: number }
  #claims?: OidcClaims
  #markSent = (): void => undefined
  readonly #sent = new Promise<void>((resolve) => (this.#markSent = resolve))

  constructor(audience: string, connections: Connections, deadline?: TokenDeadline) {
    this.#url = idTokenRequestUrl()
    this.#audience = audience
    this.#connections = connections
    this.#deadline = deadline
  }

  /** Claims of the last token fetched, for error messages. */
  get claims(): OidcClaims | undefined {
    return this.#claims
  }

  /**
   * Settles once the first token request is on the wire, or has failed: the moment to start
   * CPU-bound work (loading the sign-in code) that would otherwise hold the request up.
   */
  get sent(): Promise<void> {
    return this.#sent
  }

  /** Starts fetching the first token now, while the rest of the sign-in is being set up. */
  prefetch(): void {
    this.get().catch(() => undefined)
  }

  /** The assertion for one Entra ID token request. */
  readonly get = (): Promise<string> => {
    if (!this.#latest || Date.now() - this.#latest.at > REUSE_MS) {
      const token = this.#fetch()
      this.#latest = { token, at: Date.now() }
      token.catch(() => (this.#latest = undefined))
    }
    return this.#latest.token
  }

  async #fetch(): Promise<string> {
    let token: string
    const started = Date.now()
    let attempt = 1
    try {
      for (; ; attempt++) {
        try {
          token = await this.#request()
          break
        } catch (error) {
          const pauseMs = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4)
          if (!transient(error) || attempt >= MAX_ATTEMPTS || pauseMs >= (this.#deadline?.remainingMs() ?? Infinity)) throw error
          core.info(`GitHub's OIDC token service ${failure(error)}; asking again in ${(pauseMs / 1000).toFixed(1)} s.`)
          await pause(pauseMs, this.#deadline?.signal)
        }
      }
    } catch (error) {
      this.#markSent()
      const host = untrusted(this.#url.host)
      const times = attempt > 1 ? `, ${attempt} times over ${Math.round((Date.now() - started) / 1000)} s` : ''
      if (error instanceof TokenEndpointError && error.status >= 500) {
        throw new ActionableError(
          `The GitHub OIDC token endpoint ${host} answered HTTP ${error.status}${times}: GitHub's token service is failing, an outage on GitHub's side ` +
            "(not this job's permissions). Check https://www.githubstatus.com (Actions), then re-run the job.",
          { cause: error }
        )
      }
      if (error instanceof ActionableError) throw error
      throw new ActionableError(
        `Could not get the GitHub OIDC token from ${host} (${untrusted((error as Error).message)}${times}). Check the runner's network and proxy settings (HTTPS_PROXY/NO_PROXY), then re-run.`,
        { cause: error }
      )
    }
    if (!this.#claims) {
      this.#claims = decodeClaims(token)
      const { iss, sub, aud } = this.#claims
      core.info(`GitHub OIDC token: issuer ${untrusted(iss)}, subject ${untrusted(sub)}, audience ${untrusted(formatAudience(aud))}`)
    }
    return token
  }

  /**
   * One GET to the runner's token endpoint with its request token, as @actions/core would do,
   * but over the run's own connections (so with their timeouts and the step deadline), without
   * following any redirect, and masking the token before anything can print it.
   */
  #request(): Promise<string> {
    const url = new URL(this.#url)
    url.searchParams.set('audience', this.#audience)
    const fail = (detail: string, status = 0): ActionableError =>
      new TokenEndpointError(
        `The GitHub OIDC token endpoint ${untrusted(url.host)} ${detail}. Check that the job has \`permissions: id-token: write\`, then re-run.`,
        status
      )
    return new Promise<string>((resolve, reject) => {
      const request = httpsRequest(
        url,
        {
          method: 'GET',
          agent: this.#connections.agentFor(url.hostname),
          headers: { authorization: `Bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`, accept: 'application/json' }
        },
        (response) => {
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > MAX_ANSWER_BYTES) response.destroy(fail(`answered with more than ${MAX_ANSWER_BYTES} bytes`))
            else chunks.push(chunk)
          })
          response.once('error', reject)
          response.once('end', () => {
            const status = response.statusCode ?? 0
            if (status < 200 || status >= 300) {
              const where =
                status >= 300 && status < 400 ? ` (a redirect to ${untrusted(response.headers.location ?? 'nowhere')}, not followed)` : ''
              return reject(fail(`answered HTTP ${status}${where}`, status))
            }
            let value: unknown
            try {
              value = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: unknown }).value
            } catch {
              value = undefined
            }
            if (typeof value !== 'string' || value === '') return reject(fail('answered without a token'))
            core.setSecret(value)
            resolve(value)
          })
        }
      )
      request.once('error', reject)
      request.once('finish', () => this.#markSent())
      request.end()
    })
  }
}

/** An answer or a lost connection worth asking again for. */
function transient(error: unknown): boolean {
  if (error instanceof TokenEndpointError) return RETRY_STATUSES.has(error.status)
  if (error instanceof ActionableError) return false
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && RETRY_ERRORS.has(code)
}

function failure(error: unknown): string {
  return error instanceof TokenEndpointError
    ? `answered HTTP ${error.status}`
    : `reset the connection (${untrusted((error as NodeJS.ErrnoException).code, 40)})`
}

/** Waits `ms`, or until the deadline passes, which then fails the wait with its own error. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason as Error)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export function formatAudience(aud: OidcClaims['aud']): string {
  return Array.isArray(aud) ? aud.join(', ') : String(aud)
}

function decodeClaims(token: string): OidcClaims {
  try {
    const { iss, sub, aud } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as OidcClaims
    return { iss, sub, aud }
  } catch {
    return {}
  }
}
