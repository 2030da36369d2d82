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

export class GitHubIdToken {
  readonly #audience: string
  readonly #connections: Connections
  readonly #url: URL
  #latest?: { token: Promise<string>; at: number }
  #claims?: OidcClaims
  #markSent = (): void => undefined
  readonly #sent = new Promise<void>((resolve) => (this.#markSent = resolve))

  constructor(audience: string, connections: Connections) {
    this.#url = idTokenRequestUrl()
    this.#audience = audience
    this.#connections = connections
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
    try {
      token = await this.#request()
    } catch (error) {
      this.#markSent()
      if (error instanceof ActionableError) throw error
      const host = untrusted(this.#url.host)
      throw new ActionableError(
        `Could not get the GitHub OIDC token from ${host} (${untrusted((error as Error).message)}). Check the runner's network and proxy settings (HTTPS_PROXY/NO_PROXY), then re-run.`,
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
    const fail = (detail: string): ActionableError =>
      new ActionableError(
        `The GitHub OIDC token endpoint ${untrusted(url.host)} ${detail}. Check that the job has \`permissions: id-token: write\`, then re-run.`
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
              return reject(fail(`answered HTTP ${status}${where}`))
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
