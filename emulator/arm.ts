// Tiny Azure Resource Manager stand-in: just what `az login --service-principal` reads afterwards.
import { MANAGEMENT_RESOURCE } from './clouds.ts'
import { bearerToken, jsonResponse, type HostService, type ServiceRequest, type ServiceResponse } from './http-types.ts'
import { decodeJwt, nowSec, verifyJwtSignature, type SigningKey } from './jwt.ts'

export interface Subscription {
  subscriptionId: string
  displayName: string
  tenantId: string
}

export class Arm implements HostService {
  readonly name = 'arm'
  readonly subscriptions: Subscription[] = []
  private readonly entraKey: SigningKey

  constructor(entraKey: SigningKey) {
    this.entraKey = entraKey
  }

  handles(hostname: string): boolean {
    return hostname === 'management.azure.com'
  }

  handle(req: ServiceRequest): ServiceResponse {
    const token = bearerToken(req.headers)
    const challenge = {
      'www-authenticate':
        'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."'
    }
    if (!token) {
      return jsonResponse(
        401,
        { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } },
        challenge
      )
    }
    const jwt = decodeJwt(token)
    const aud = String(jwt?.payload['aud'] ?? '').replace(/\/?$/, '/')
    if (
      !jwt ||
      !verifyJwtSignature(jwt, this.entraKey) ||
      Number(jwt.payload['exp']) <= nowSec() ||
      (aud !== MANAGEMENT_RESOURCE && aud !== 'https://management.azure.com/')
    ) {
      return jsonResponse(401, { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } }, challenge)
    }
    const tid = String(jwt.payload['tid'])
    const path = req.path.replace(/\/+$/, '').toLowerCase()
    if (!req.query.get('api-version')) {
      return jsonResponse(400, {
        error: {
          code: 'MissingApiVersionParameter',
          message: 'The api-version query parameter (?api-version=) is required for all requests.'
        }
      })
    }
    if (req.method === 'GET' && path === '/subscriptions') {
      const value = this.subscriptions
        .filter((s) => s.tenantId === tid)
        .map((s) => ({
          id: `/subscriptions/${s.subscriptionId}`,
          authorizationSource: 'RoleBased',
          managedByTenants: [],
          subscriptionId: s.subscriptionId,
          tenantId: s.tenantId,
          displayName: s.displayName,
          state: 'Enabled',
          subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' }
        }))
      return {
        ...jsonResponse(200, { value, count: { type: 'Total', value: value.length } }),
        authenticated: true,
        operation: 'listSubscriptions'
      }
    }
    if (req.method === 'GET' && path === '/tenants') {
      return {
        ...jsonResponse(200, {
          value: [{ id: `/tenants/${tid}`, tenantId: tid, tenantCategory: 'Home' }],
          count: { type: 'Total', value: 1 }
        }),
        authenticated: true,
        operation: 'listTenants'
      }
    }
    return jsonResponse(404, {
      error: { code: 'InvalidResourceType', message: `The resource type could not be found for path '${req.path}'.` }
    })
  }
}
