/**
 * The job's GitHub OIDC token, which Entra ID exchanges for an access token through the
 * app's federated credential. Its claims (never the token) are kept to explain a rejection.
 */
import * as core from '@actions/core'
import { ActionableError } from './errors.ts'

export interface OidcClaims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | string[]
}

export class GitHubIdToken {
  readonly #audience: string
  #prefetched?: Promise<string>
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

  /** Starts fetching the first token now, while MSAL is still reading the authority's metadata. */
  prefetch(): void {
    this.#prefetched ??= this.#fetch()
    this.#prefetched.catch(() => undefined)
  }

  /**
   * A token for one Entra ID request. GitHub's tokens live 5-10 minutes, so every request
   * after the prefetched first one asks GitHub again rather than reusing an old one.
   */
  readonly get = async (): Promise<string> => {
    const prefetched = this.#prefetched
    this.#prefetched = undefined
    return prefetched ?? this.#fetch()
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
