// Stand-in for the GitHub Actions OIDC provider: the runner's idtoken endpoint plus the issuer's
// discovery documents, so Entra (and anyone else) can validate its tokens.
import { randomBytes, randomUUID } from 'node:crypto'
import type { HostService, ServiceRequest, ServiceResponse } from './http-types.ts'
import { bearerToken, jsonResponse } from './http-types.ts'
import { nowSec, publicJwk, signJwt, type JwtClaims, type SigningKey } from './jwt.ts'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
const ISSUER_HOST = 'token.actions.githubusercontent.com'
const RUNNER_HOST = 'pipelinesghubeus1.actions.githubusercontent.com'

export interface MintOptions {
  /** Lifetime from now; negative values produce an already expired token. Default 300. */
  expiresInSec?: number
}

export class GitHubOidc implements HostService {
  readonly name = 'github-oidc'
  readonly issuer = GITHUB_ISSUER
  readonly requestToken = randomBytes(24).toString('base64url')
  readonly requestUrl: string
  private claims: JwtClaims
  private readonly key: SigningKey

  constructor(key: SigningKey) {
    this.key = key
    const plan = randomUUID()
    const job = randomUUID()
    const hubId = randomBytes(24).toString('base64url')
    this.requestUrl =
      `https://${RUNNER_HOST}/${hubId}/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/${plan}` +
      `/jobs/${job}/idtoken?api-version=2.0`
    this.claims = defaultClaims()
  }

  get signingKey(): SigningKey {
    return this.key
  }

  /** Changes the claims (sub, repository, ref, ...) of the tokens minted from now on. */
  /** Every token the runner endpoint handed out, for leak scans. */
  readonly issuedTokens: string[] = []

  setClaims(partial: JwtClaims): void {
    this.claims = { ...this.claims, ...partial }
  }

  currentClaims(): JwtClaims {
    return { ...this.claims }
  }

  mint(claims: JwtClaims = {}, options: MintOptions = {}): string {
    const now = nowSec()
    const exp = now + (options.expiresInSec ?? 300)
    const issued = Math.min(now, exp - 300)
    const payload: JwtClaims = {
      jti: randomUUID(),
      aud: 'api://AzureADTokenExchange',
      ...this.claims,
      ...claims,
      iss: claims['iss'] ?? GITHUB_ISSUER,
      nbf: claims['nbf'] ?? issued,
      iat: claims['iat'] ?? issued,
      exp: claims['exp'] ?? exp
    }
    return signJwt(this.key, payload, { typ: 'JWT', x5t: this.key.kid })
  }

  handles(hostname: string): boolean {
    return hostname === ISSUER_HOST || hostname.endsWith('.actions.githubusercontent.com')
  }

  handle(req: ServiceRequest): ServiceResponse {
    const path = req.path.replace(/\/+$/, '')
    if (req.hostname === ISSUER_HOST) {
      if (path === '/.well-known/openid-configuration') return jsonResponse(200, this.openIdConfiguration(), {})
      if (path === '/.well-known/jwks') return jsonResponse(200, { keys: [publicJwk(this.key)] })
      return jsonResponse(404, { message: 'Not Found' })
    }
    if (req.method !== 'GET' || !/\/idtoken$/i.test(path)) return jsonResponse(404, { message: 'Not Found' })
    const token = bearerToken(req.headers)
    if (token !== this.requestToken) {
      return { ...jsonResponse(401, { message: 'Unauthorized' }), operation: 'idToken' }
    }
    const audience = req.query.get('audience')
    const aud = audience ?? `https://github.com/${String(this.claims['repository_owner'] ?? 'contoso')}`
    const value = this.mint({ aud })
    this.issuedTokens.push(value)
    return { ...jsonResponse(200, { count: 1, value }), authenticated: true, operation: 'idToken' }
  }

  private openIdConfiguration(): Record<string, unknown> {
    return {
      issuer: GITHUB_ISSUER,
      jwks_uri: `${GITHUB_ISSUER}/.well-known/jwks`,
      subject_types_supported: ['public', 'pairwise'],
      response_types_supported: ['id_token'],
      claims_supported: [
        'sub',
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'nbf',
        'ref',
        'sha',
        'repository',
        'repository_id',
        'repository_owner',
        'repository_owner_id',
        'run_id',
        'run_number',
        'run_attempt',
        'actor',
        'actor_id',
        'workflow',
        'workflow_ref',
        'workflow_sha',
        'head_ref',
        'base_ref',
        'event_name',
        'ref_type',
        'ref_protected',
        'environment',
        'environment_node_id',
        'job_workflow_ref',
        'job_workflow_sha',
        'repository_visibility',
        'runner_environment'
      ],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid']
    }
  }
}

function defaultClaims(): JwtClaims {
  const sha = randomBytes(20).toString('hex')
  const workflowRef = 'contoso/infra/.github/workflows/bek.yml@refs/heads/main'
  return {
    sub: 'repo:contoso/infra:ref:refs/heads/main',
    ref: 'refs/heads/main',
    sha,
    repository: 'contoso/infra',
    repository_owner: 'contoso',
    repository_owner_id: '4242001',
    repository_id: '7310042',
    repository_visibility: 'private',
    run_id: String(9_000_000_000 + Math.floor(Math.random() * 1_000_000)),
    run_number: '17',
    run_attempt: '1',
    actor: 'octocat',
    actor_id: '583231',
    workflow: 'Create BEK',
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    head_ref: '',
    base_ref: '',
    event_name: 'workflow_dispatch',
    ref_type: 'branch',
    ref_protected: 'true',
    runner_environment: 'github-hosted'
  }
}
