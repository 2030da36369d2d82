// Key Vault's bearer-token handling: the 401 challenge that starts every SDK conversation, and
// validation of the Entra stand-in's access tokens (signature, audience, issuer/tenant, lifetime).
import { issuerFor } from '../clouds.ts'
import { bearerToken, type ServiceRequest, type ServiceResponse } from '../http-types.ts'
import { decodeJwt, nowSec, verifyJwtSignature, type SigningKey } from '../jwt.ts'
import { kvError } from './errors.ts'
import type { Caller } from './permissions.ts'
import type { Vault } from './vault-store.ts'

export function challengeHeader(vault: Vault): string {
  return `Bearer authorization="https://${vault.cloud.authorityHost}/${vault.tenantId}", resource="${vault.cloud.vaultResource}"`
}

function unauthorized(vault: Vault, message: string): ServiceResponse {
  return kvError(401, 'Unauthorized', message, undefined, { 'www-authenticate': challengeHeader(vault) })
}

export type AuthResult = { caller: Caller } | { response: ServiceResponse }

export function authenticate(req: ServiceRequest, vault: Vault, entraKey: SigningKey): AuthResult {
  const token = bearerToken(req.headers)
  if (token === undefined || token === '') {
    return { response: unauthorized(vault, 'AKV10000: Request is missing a Bearer or PoP token.') }
  }
  const jwt = decodeJwt(token)
  if (!jwt || !verifyJwtSignature(jwt, entraKey)) {
    return { response: unauthorized(vault, "AKV10022: [BearerReadAccessTokenFailed] Error validating token: 'S2S12005'.") }
  }
  const claims = jwt.payload
  const aud = String(claims['aud'] ?? '')
  const expectedAud = vault.cloud.vaultResource
  if (aud.replace(/\/$/, '') !== expectedAud) {
    return { response: unauthorized(vault, `AKV10022: Invalid audience. Expected ${expectedAud}, found: ${aud}.`) }
  }
  const expectedIss = issuerFor(vault.cloud, vault.tenantId)
  const iss = String(claims['iss'] ?? '')
  if (iss !== expectedIss || String(claims['tid'] ?? '') !== vault.tenantId) {
    return { response: unauthorized(vault, `AKV10032: Invalid issuer. Expected one of ${expectedIss}, found ${iss}.`) }
  }
  const now = nowSec()
  if (!(Number(claims['exp']) > now)) {
    return { response: unauthorized(vault, "AKV10003: [TokenExpired] Error validating token: 'S2S12086'.") }
  }
  if (Number(claims['nbf'] ?? 0) > now + 300) {
    return { response: unauthorized(vault, "AKV10003: [TokenNotYetValid] Error validating token: 'S2S12085'.") }
  }
  return { caller: { appId: String(claims['appid'] ?? claims['azp'] ?? ''), objectId: String(claims['oid'] ?? ''), issuer: iss } }
}
