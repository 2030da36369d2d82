// Stand-in for the Microsoft Entra ID token service: app registrations with federated identity
// credentials, the client-credentials grant with a JWT-bearer assertion, and MSAL's discovery calls.
import { randomBytes, randomUUID } from 'node:crypto'
import { AUTHORITY_HOSTS, CLOUDS, MANAGEMENT_RESOURCE, cloudByAuthorityHost, issuerFor, type Cloud } from './clouds.ts'
import { aadError, aadTime } from './entra-errors.ts'
import { jsonResponse, type HostService, type ServiceRequest, type ServiceResponse } from './http-types.ts'
import { decodeJwt, nowSec, publicJwk, signJwt, verifyJwtSignature, type JwtClaims, type SigningKey } from './jwt.ts'

export interface FederatedCredential {
  issuer: string
  subject: string
  audiences: string[]
  name?: string
}

export interface AppRegistration {
  clientId: string
  objectId: string
  tenantId: string
  federatedCredentials: FederatedCredential[]
}

export interface RegisterAppOptions {
  clientId?: string
  tenantId?: string
  federatedCredentials?: FederatedCredential[]
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const WIF_DOC = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation'

export class Entra implements HostService {
  readonly name = 'entra'
  readonly tenantId: string
  private readonly tenants = new Set<string>()
  private readonly apps = new Map<string, AppRegistration>()
  private readonly tokenKey: SigningKey
  /** Signing keys of trusted external issuers (the GitHub stand-in), by issuer URL. */
  private readonly issuerKeys = new Map<string, SigningKey>()

  constructor(tokenKey: SigningKey) {
    this.tokenKey = tokenKey
    this.tenantId = this.addTenant()
  }

  get signingKey(): SigningKey {
    return this.tokenKey
  }

  /** Every access token the token endpoint issued, for leak scans. */
  readonly issuedTokens: string[] = []

  addTenant(tenantId: string = randomUUID()): string {
    this.tenants.add(tenantId.toLowerCase())
    return tenantId.toLowerCase()
  }

  hasTenant(tenantId: string): boolean {
    return this.tenants.has(tenantId.toLowerCase())
  }

  trustIssuer(issuer: string, key: SigningKey): void {
    this.issuerKeys.set(issuer, key)
  }

  registerApp(options: RegisterAppOptions = {}): { clientId: string; objectId: string; tenantId: string } {
    const tenantId = this.addTenant(options.tenantId ?? this.tenantId)
    const app: AppRegistration = {
      clientId: (options.clientId ?? randomUUID()).toLowerCase(),
      objectId: randomUUID(),
      tenantId,
      federatedCredentials: [...(options.federatedCredentials ?? [])]
    }
    this.apps.set(app.clientId, app)
    return { clientId: app.clientId, objectId: app.objectId, tenantId }
  }

  addFederatedCredential(clientId: string, fc: FederatedCredential): void {
    const app = this.apps.get(clientId.toLowerCase())
    if (!app) throw new Error(`emulator: no app registration ${clientId}`)
    app.federatedCredentials.push(fc)
  }

  getApp(clientId: string): AppRegistration | undefined {
    return this.apps.get(clientId.toLowerCase())
  }

  /** Issues an access token directly (test set-up that bypasses the token endpoint). */
  issueAccessToken(clientId: string, resource: string, cloud: Cloud = CLOUDS.AzureCloud, lifetimeSec = 3599): string {
    const app = this.apps.get(clientId.toLowerCase())
    if (!app) throw new Error(`emulator: no app registration ${clientId}`)
    return this.signAccessToken(app, resource, cloud, lifetimeSec)
  }

  handles(hostname: string): boolean {
    return AUTHORITY_HOSTS.includes(hostname)
  }

  handle(req: ServiceRequest): ServiceResponse {
    const cloud = cloudByAuthorityHost(req.hostname) ?? CLOUDS.AzureCloud
    const segments = req.path.split('/').filter(Boolean)
    const tenantSegment = segments[0] ?? ''
    const rest = segments.slice(1).join('/').toLowerCase()

    if (req.method === 'GET' && tenantSegment.toLowerCase() === 'common' && rest === 'discovery/instance') {
      return this.instanceDiscovery(req, cloud)
    }
    if (req.method === 'GET' && rest.endsWith('.well-known/openid-configuration')) {
      if (!this.knownTenantOrAlias(tenantSegment)) return this.tenantNotFound(req.hostname, tenantSegment, cloud)
      return jsonResponse(200, this.openIdConfiguration(cloud, this.displayTenant(tenantSegment), rest.startsWith('v2.0')))
    }
    if (req.method === 'GET' && (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys')) {
      return jsonResponse(200, { keys: [publicJwk(this.tokenKey)] })
    }
    if (req.method === 'POST' && (rest === 'oauth2/v2.0/token' || rest === 'oauth2/token')) {
      return this.token(req, cloud, tenantSegment)
    }
    return aadError(
      req.hostname,
      404,
      'invalid_request',
      900561,
      `The endpoint only accepts POST requests. Received a ${req.method} request.`
    )
  }

  private knownTenantOrAlias(tenant: string): boolean {
    return ['common', 'organizations', 'consumers'].includes(tenant.toLowerCase()) || this.hasTenant(tenant)
  }

  private displayTenant(tenant: string): string {
    return this.hasTenant(tenant) ? tenant.toLowerCase() : '{tenantid}'
  }

  private tenantNotFound(host: string, tenant: string, cloud: Cloud): ServiceResponse {
    return aadError(
      host,
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud (${cloud.name}). ` +
        'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.'
    )
  }

  private instanceDiscovery(req: ServiceRequest, cloud: Cloud): ServiceResponse {
    // MSAL always asks the public cloud's host; answer for the authority it is about.
    const authEndpoint = req.query.get('authorization_endpoint') ?? `https://${cloud.authorityHost}/common/oauth2/v2.0/authorize`
    let host = cloud.authorityHost
    let tenant = 'common'
    try {
      const u = new URL(authEndpoint)
      host = u.hostname.toLowerCase()
      tenant = u.pathname.split('/').filter(Boolean)[0] ?? 'common'
    } catch {
      // keep defaults
    }
    const metadata = Object.values(CLOUDS).map((c) => ({
      preferred_network: c.authorityHost,
      preferred_cache: c.authorityHost,
      aliases: [c.authorityHost]
    }))
    return jsonResponse(200, {
      tenant_discovery_endpoint: `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata
    })
  }

  private openIdConfiguration(cloud: Cloud, tenant: string, v2: boolean): Record<string, unknown> {
    const base = `https://${cloud.authorityHost}/${tenant}`
    return {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? `${base}/discovery/v2.0/keys` : `${base}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `https://${cloud.authorityHost}/${tenant}/v2.0` : issuerFor(cloud, tenant),
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${base}/oauth2/v2.0/logout` : `${base}/oauth2/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: cloud.authorityHost.replace(/^login\./, ''),
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net'
    }
  }

  private token(req: ServiceRequest, cloud: Cloud, tenant: string): ServiceResponse {
    const host = req.hostname
    const form = new URLSearchParams(req.body.toString('utf8'))
    const correlation = form.get('client-request-id') ?? (req.headers['client-request-id'] as string | undefined)
    const fail = (status: number, error: string, code: number, text: string) => aadError(host, status, error, code, text, correlation)
    if (!this.hasTenant(tenant)) return this.tenantNotFound(host, tenant, cloud)

    const grantType = form.get('grant_type')
    if (!grantType) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.")
    if (grantType !== 'client_credentials') {
      return fail(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`)
    }
    const clientId = form.get('client_id')
    if (!clientId) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.")
    const scope = form.get('scope')
    if (!scope) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.")

    const app = this.apps.get(clientId.toLowerCase())
    if (!app || app.tenantId !== tenant.toLowerCase()) {
      return fail(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been ` +
          'installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.'
      )
    }
    if (form.get('client_secret') !== null) {
      return fail(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`
      )
    }
    const assertion = form.get('client_assertion')
    if (!assertion) {
      return fail(
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."
      )
    }
    const assertionType = form.get('client_assertion_type')
    if (!assertionType)
      return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion_type'.")
    if (assertionType !== ASSERTION_TYPE) {
      return fail(400, 'invalid_request', 50027, `Invalid client_assertion_type '${assertionType}'. Expected '${ASSERTION_TYPE}'.`)
    }
    const jwt = decodeJwt(assertion)
    if (!jwt) return fail(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.')
    const claims = jwt.payload
    const iss = String(claims['iss'] ?? '')
    const sub = String(claims['sub'] ?? '')
    const auds = Array.isArray(claims['aud']) ? (claims['aud'] as unknown[]).map(String) : [String(claims['aud'] ?? '')]

    const now = nowSec()
    const exp = Number(claims['exp'])
    const nbf = Number(claims['nbf'] ?? claims['iat'] ?? 0)
    if (!Number.isFinite(exp) || now >= exp || now < nbf) {
      return fail(
        400,
        'invalid_client',
        700024,
        `Client assertion is not within its valid time range. Current time: ${aadTime(now)}, assertion valid from ${aadTime(nbf)}, ` +
          `expiry time of assertion ${aadTime(Number.isFinite(exp) ? exp : 0)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`
      )
    }

    const sameIssuerAud = app.federatedCredentials.filter((fc) => fc.issuer === iss && fc.audiences.some((a) => auds.includes(a)))
    const match = sameIssuerAud.find((fc) => fc.subject === sub)
    if (!match) {
      if (sameIssuerAud.some((fc) => fc.subject.toLowerCase() === sub.toLowerCase())) {
        return fail(
          401,
          'invalid_client',
          7002138,
          `No matching federated identity record found for presented assertion subject '${sub}'. Please note that the matching is done using a ` +
            `case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOC}`
        )
      }
      if (sameIssuerAud.length > 0) {
        return fail(
          401,
          'invalid_client',
          700213,
          `No matching federated identity record found for presented assertion subject '${sub}'. Check your federated identity credential Subject, ` +
            `Audience and Issuer against the presented assertion. ${WIF_DOC}`
        )
      }
      return fail(
        400,
        'invalid_request',
        70021,
        `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. ` +
          `Assertion Audience: '${auds.join(',')}'. ${WIF_DOC}`
      )
    }
    const issuerKey = this.issuerKeys.get(iss)
    if (!issuerKey || jwt.header['kid'] !== issuerKey.kid || !verifyJwtSignature(jwt, issuerKey)) {
      return fail(
        401,
        'invalid_client',
        50013,
        `Assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${String(jwt.header['kid'] ?? '')}', ` +
          `Found matching key for issuer: '${iss}']`
      )
    }

    const resource = resourceFromScope(scope)
    if (!resource) {
      return fail(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
      )
    }
    const audience = tokenAudience(resource)
    if (!audience) {
      return fail(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been ` +
          'installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.'
      )
    }
    const accessToken = this.signAccessToken(app, audience, cloud, 3599)
    this.issuedTokens.push(accessToken)
    return {
      ...jsonResponse(
        200,
        { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken },
        {
          'cache-control': 'no-store, no-cache',
          pragma: 'no-cache'
        }
      ),
      authenticated: true,
      operation: 'token'
    }
  }

  private signAccessToken(app: AppRegistration, audience: string, cloud: Cloud, lifetimeSec: number): string {
    const now = nowSec()
    const iss = issuerFor(cloud, app.tenantId)
    const claims: JwtClaims = {
      aud: audience,
      iss,
      iat: now - 5,
      nbf: now - 5,
      exp: now + lifetimeSec,
      aio: randomBytes(24).toString('base64url'),
      appid: app.clientId,
      appidacr: '2',
      azp: app.clientId,
      idp: iss,
      idtyp: 'app',
      oid: app.objectId,
      rh: `0.${randomBytes(16).toString('base64url')}.`,
      sub: app.objectId,
      tid: app.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
      xms_tcdt: now - 86400 * 365
    }
    return signJwt(this.tokenKey, claims, { x5t: this.tokenKey.kid })
  }
}

/** `https://vault.azure.net/.default` → `https://vault.azure.net`; extra scopes (openid...) are ignored. */
function resourceFromScope(scope: string): string | undefined {
  const s = scope.split(/\s+/).find((x) => x.endsWith('/.default'))
  return s ? s.slice(0, -'/.default'.length) : undefined
}

const KNOWN_RESOURCES: Record<string, string> = {
  'https://vault.azure.net': 'https://vault.azure.net',
  'https://vault.azure.cn': 'https://vault.azure.cn',
  'https://vault.usgovcloudapi.net': 'https://vault.usgovcloudapi.net',
  'https://management.core.windows.net/': MANAGEMENT_RESOURCE,
  'https://management.core.windows.net': MANAGEMENT_RESOURCE,
  'https://management.azure.com': MANAGEMENT_RESOURCE,
  'https://management.azure.com/': MANAGEMENT_RESOURCE,
  'https://management.chinacloudapi.cn': 'https://management.chinacloudapi.cn/',
  'https://management.chinacloudapi.cn/': 'https://management.chinacloudapi.cn/',
  'https://management.usgovcloudapi.net': 'https://management.usgovcloudapi.net/',
  'https://management.usgovcloudapi.net/': 'https://management.usgovcloudapi.net/'
}

function tokenAudience(resource: string): string | undefined {
  return KNOWN_RESOURCES[resource]
}
