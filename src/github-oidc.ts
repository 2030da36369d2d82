/**
 * The job's GitHub OIDC token, which Entra ID exchanges for an access token through the
 * app's federated credential. Its claims (never the token) are kept to explain a rejection.
 */
import * as core from '@actions/core'
import { ActionableError } from './actionable-error.ts'

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

export class GitHubIdToken {
  readonly #audience: string
  #latest?: { token: Promise<string>; at: number }
  #claims?: OidcClaims

  constructor(audience: string) {
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      throw new ActionableError(
        'The runner gave this job no GitHub OIDC token: add `permissions: id-token: write` to the workflow or job. ' +
          'Pull requests from forks (and Dependabot) never get one; run those with another trigger or without client-id/tenant-id.'
      )
    }
    this.#audience = audience
  }

  /** Claims of the last token fetched, for error messages. */
  get claims(): OidcClaims | undefined {
    return this.#claims
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
      token = await core.getIDToken(this.#audience) // also masks the token
    } catch (error) {
      throw new ActionableError(
        `Could not get the GitHub OIDC token (${(error as Error).message}). Check that the job has \`permissions: id-token: write\`.`,
        { cause: error }
      )
    }
    if (!this.#claims) {
      this.#claims = decodeClaims(token)
      core.info(`GitHub OIDC token: issuer ${this.#claims.iss}, subject ${this.#claims.sub}, audience ${formatAudience(this.#claims.aud)}`)
    }
    return token
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
