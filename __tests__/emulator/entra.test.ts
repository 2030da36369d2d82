import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ASSERTION_TYPE, SUBJECT, setup, type Fixture } from './helpers.ts'

let f: Fixture
beforeAll(async () => {
  f = await setup()
})
afterAll(async () => {
  await f.close()
})

const form = (assertion: string, extra: Record<string, string> = {}, clientId?: string) => ({
  grant_type: 'client_credentials',
  client_id: clientId ?? f.clientId,
  scope: 'https://vault.azure.net/.default',
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: assertion,
  ...extra
})

function expectAadShape(json: any, code: number, error: string) {
  expect(json.error).toBe(error)
  expect(json.error_codes).toEqual([code])
  expect(json.error_description).toMatch(new RegExp(`^AADSTS${code}: `))
  expect(json.error_description).toMatch(
    /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/
  )
  expect(json.trace_id).toMatch(/^[0-9a-f-]{36}$/)
  expect(json.correlation_id).toMatch(/^[0-9a-f-]{36}$/)
  expect(json.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`)
}

function claims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))
}

describe('GitHub OIDC stand-in', () => {
  test('idtoken endpoint checks the request token and reflects the audience', async () => {
    const env = f.az.env()
    const url = `${env['ACTIONS_ID_TOKEN_REQUEST_URL']}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`
    expect(url).toMatch(/^https:\/\/pipelinesghubeus1\.actions\.githubusercontent\.com\/.+\/idtoken\?api-version=2\.0&audience=/)
    const denied = await f.http.request('GET', url, { headers: { authorization: 'Bearer nope' } })
    expect(denied.status).toBe(401)
    const ok = await f.http.request('GET', url, { headers: { authorization: `Bearer ${env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}` } })
    expect(ok.status).toBe(200)
    const [h] = (ok.json.value as string).split('.')
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8'))
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    expect(header.kid).toBeTruthy()
    const c = claims(ok.json.value)
    expect(c).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'api://AzureADTokenExchange',
      sub: SUBJECT,
      repository: 'contoso/infra',
      ref: 'refs/heads/main'
    })
    expect(c['exp'] - c['iat']).toBe(300)
    for (const k of ['jti', 'nbf', 'sha', 'job_workflow_ref', 'repository_owner', 'run_id', 'event_name', 'actor'])
      expect(c[k]).toBeDefined()
  })

  test('setClaims changes the subject of later tokens; discovery documents are served', async () => {
    f.az.github.setClaims({ sub: 'repo:contoso/infra:environment:prod', environment: 'prod' })
    expect(claims(f.az.github.mint())['sub']).toBe('repo:contoso/infra:environment:prod')
    f.az.github.setClaims({ sub: SUBJECT })
    const cfg = await f.http.request('GET', 'https://token.actions.githubusercontent.com/.well-known/openid-configuration')
    expect(cfg.json.issuer).toBe('https://token.actions.githubusercontent.com')
    const jwks = await f.http.request('GET', cfg.json.jwks_uri)
    expect(jwks.json.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
  })
})

describe('Entra token endpoint', () => {
  test('issues a vault access token for a matching federated credential', async () => {
    const res = await f.token(
      form(f.az.github.mint(), {
        claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}',
        'x-client-SKU': 'msal.js.node',
        'client-request-id': crypto.randomUUID()
      })
    )
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 })
    const c = claims(res.json.access_token)
    expect(c).toMatchObject({
      aud: 'https://vault.azure.net',
      iss: `https://sts.windows.net/${f.az.entra.tenantId}/`,
      tid: f.az.entra.tenantId,
      oid: f.objectId,
      appid: f.clientId,
      azp: f.clientId
    })
    expect(c['exp']).toBeGreaterThan(Date.now() / 1000 + 3000)
  })

  test.each([
    ['https://management.core.windows.net//.default', 'https://management.core.windows.net/'],
    ['https://management.azure.com/.default', 'https://management.core.windows.net/'],
    ['https://vault.azure.net/.default', 'https://vault.azure.net']
  ])('scope %s → aud %s', async (scope, aud) => {
    const res = await f.token(form(f.az.github.mint(), { scope }))
    expect(res.status).toBe(200)
    expect(claims(res.json.access_token)['aud']).toBe(aud)
  })

  test('AADSTS700016: unknown client', async () => {
    const id = '11111111-2222-3333-4444-555555555555'
    const res = await f.token(form(f.az.github.mint(), {}, id))
    expect(res.status).toBe(400)
    expectAadShape(res.json, 700016, 'unauthorized_client')
    expect(res.json.error_description).toContain(
      `Application with identifier '${id}' was not found in the directory '${f.az.entra.tenantId}'.`
    )
  })

  test('AADSTS700213: subject does not match', async () => {
    const sub = 'repo:contoso/infra:ref:refs/heads/feature'
    const res = await f.token(form(f.az.github.mint({ sub })))
    expect(res.status).toBe(401)
    expectAadShape(res.json, 700213, 'invalid_client')
    expect(res.json.error_description).toContain(
      `No matching federated identity record found for presented assertion subject '${sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`
    )
  })

  test('AADSTS7002138: subject differs only in case', async () => {
    const res = await f.token(form(f.az.github.mint({ sub: 'repo:Contoso/infra:ref:refs/heads/main' })))
    expect(res.status).toBe(401)
    expectAadShape(res.json, 7002138, 'invalid_client')
  })

  test('AADSTS70021: audience or issuer does not match', async () => {
    const res = await f.token(form(f.az.github.mint({ aud: 'https://github.com/contoso' })))
    expect(res.status).toBe(400)
    expectAadShape(res.json, 70021, 'invalid_request')
    expect(res.json.error_description).toContain(
      `No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: '${SUBJECT}'. Assertion Audience: 'https://github.com/contoso'.`
    )
    const iss = await f.token(form(f.az.github.mint({ iss: 'https://token.actions.githubusercontent.com/contoso' })))
    expect(iss.status).toBe(400)
    expect(iss.json.error_codes).toEqual([70021])
  })

  test('AADSTS700024: expired assertion', async () => {
    const res = await f.token(form(f.az.github.mint({}, { expiresInSec: -60 })))
    expect(res.status).toBe(400)
    expectAadShape(res.json, 700024, 'invalid_client')
    expect(res.json.error_description).toMatch(
      /Client assertion is not within its valid time range\. Current time: .+, assertion valid from .+, expiry time of assertion .+/
    )
  })

  test('AADSTS50013: forged signature', async () => {
    const real = f.az.github.mint()
    const [h, p] = real.split('.')
    const res = await f.token(form(`${h}.${p}.${Buffer.alloc(256, 7).toString('base64url')}`))
    expect(res.status).toBe(401)
    expect(res.json.error_codes).toEqual([50013])
  })

  test('AADSTS900144: missing parameters', async () => {
    const missing = form(f.az.github.mint()) as Record<string, string>
    delete missing['scope']
    const res = await f.token(missing)
    expect(res.status).toBe(400)
    expectAadShape(res.json, 900144, 'invalid_request')
    expect(res.json.error_description).toContain("'scope'")
  })

  test('AADSTS90002: unknown tenant', async () => {
    const res = await f.token(form(f.az.github.mint()), 'login.microsoftonline.com', '99999999-9999-9999-9999-999999999999')
    expect(res.status).toBe(400)
    expect(res.json.error_codes).toEqual([90002])
    const cfg = await f.http.request(
      'GET',
      'https://login.microsoftonline.com/99999999-9999-9999-9999-999999999999/v2.0/.well-known/openid-configuration'
    )
    expect(cfg.status).toBe(400)
  })

  test.each(['login.microsoftonline.com', 'login.chinacloudapi.cn', 'login.microsoftonline.us'])(
    'MSAL discovery documents on %s',
    async (host) => {
      const t = f.az.entra.tenantId
      const disc = await f.http.request(
        'GET',
        `https://${host}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`https://${host}/${t}/oauth2/v2.0/authorize`)}`
      )
      expect(disc.status).toBe(200)
      expect(disc.json.tenant_discovery_endpoint).toBe(`https://${host}/${t}/v2.0/.well-known/openid-configuration`)
      expect(disc.json.metadata.some((m: any) => m.preferred_network === host)).toBe(true)
      const v2 = await f.http.request('GET', `https://${host}/${t}/v2.0/.well-known/openid-configuration`)
      expect(v2.json).toMatchObject({
        issuer: `https://${host}/${t}/v2.0`,
        token_endpoint: `https://${host}/${t}/oauth2/v2.0/token`,
        authorization_endpoint: `https://${host}/${t}/oauth2/v2.0/authorize`,
        end_session_endpoint: `https://${host}/${t}/oauth2/v2.0/logout`,
        tenant_region_scope: 'NA'
      })
      expect(v2.json.jwks_uri).toBeTruthy()
      const v1 = await f.http.request('GET', `https://${host}/${t}/.well-known/openid-configuration`)
      expect(v1.status).toBe(200)
      expect(v1.json.token_endpoint).toBe(`https://${host}/${t}/oauth2/token`)
    }
  )
})
