import { describe, expect, test } from '@jest/globals'
import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline'
import { AggregateAuthenticationError, CredentialUnavailableError } from '@azure/identity'
import { ActionableError } from '../../src/runner/actionable-error.ts'
import { describeError } from '../../src/runner/errors.ts'
import { VaultError, type VaultOperation } from '../../src/keyvault/client.ts'

const claims = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:contoso/infra:ref:refs/heads/main',
  aud: 'api://AzureADTokenExchange'
}
const context = { clientId: 'c1', tenantId: 't1', oidcClaims: claims }

function vaultError(operation: VaultOperation, status: number, code: string, message: string, inner?: string): VaultError {
  const body = JSON.stringify({ error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } })
  const request = createPipelineRequest({ url: 'https://v1.vault.azure.net/x' })
  return new VaultError(
    operation,
    'https://v1.vault.azure.net/keys/kek/wrapkey',
    { status, headers: createHttpHeaders({ 'x-ms-request-id': 'r-1' }), request },
    body
  )
}

describe('sign-in errors', () => {
  test.each(['700213', '70021', '7002138'])('AADSTS%s shows the token claims and the subject formats', (code) => {
    const message = describeError(
      new Error(`ClientAssertionCredential: AADSTS${code}: No matching federated identity record found.\nTrace ID: x`),
      context
    )
    expect(message).toContain(`AADSTS${code}`)
    expect(message).toContain("subject 'repo:contoso/infra:ref:refs/heads/main'")
    expect(message).toContain("issuer 'https://token.actions.githubusercontent.com'")
    expect(message).toContain("audience 'api://AzureADTokenExchange'")
    expect(message).toContain('repo:<owner>/<repo>:environment:<environment>')
    expect(message).toContain('repo:<owner>/<repo>:pull_request')
    expect(message).not.toContain('Trace ID')
  })

  test('AADSTS700016 names the client and tenant', () => {
    expect(describeError(new Error('AADSTS700016: Application not found'), context)).toMatch(/no application 'c1' in tenant 't1'/)
  })

  test('an unavailable credential chain says first how to sign in, then why each credential was unavailable', () => {
    // What ChainedTokenCredential (DefaultAzureCredential) throws when no credential is available.
    const error = new AggregateAuthenticationError(
      [
        new CredentialUnavailableError(
          'EnvironmentCredential is unavailable. No underlying credential could be used. To troubleshoot, visit https://aka.ms/x.'
        ),
        new CredentialUnavailableError('Azure CLI could not be found.\nPlease visit https://aka.ms/azure-cli'),
        new CredentialUnavailableError('::set-output name=x::y')
      ],
      'ChainedTokenCredential authentication failed.'
    )
    const lines = describeError(error, {}).split('\n')
    expect(lines[0]).toMatch(/^Set client-id and tenant-id .*, or run azure\/login before this step: no Azure credential is available\.$/)
    expect(lines.slice(1)).toEqual([
      '- EnvironmentCredential is unavailable. No underlying credential could be used.',
      '- Azure CLI could not be found.',
      '- \\::set-output name=x::y'
    ])
  })

  test('a network failure names the host', () => {
    const request = createPipelineRequest({ url: 'https://v1.vault.azure.net/keys/k/' })
    expect(describeError(new RestError('socket hang up', { code: 'ECONNRESET', request }), {})).toMatch(
      /Could not reach v1\.vault\.azure\.net \(ECONNRESET\)/
    )
  })
})

describe('Key Vault errors', () => {
  test.each<[VaultOperation, string, string]>([
    ['getKey', 'Key Vault Crypto Service Encryption User', 'keys: get'],
    ['wrapKey', 'Key Vault Crypto Service Encryption User', 'keys: wrapKey'],
    ['unwrapKey', 'Key Vault Crypto Service Encryption User', 'keys: unwrapKey'],
    ['getSecret', 'Key Vault Secrets Officer', 'secrets: get'],
    ['setSecret', 'Key Vault Secrets Officer', 'secrets: set']
  ])('403 on %s names the role and the access-policy permission', (operation, role, permission) => {
    const message = describeError(
      vaultError(
        operation,
        403,
        'Forbidden',
        'Caller is not authorized to perform action on resource.\r\nCaller: appid=x',
        'ForbiddenByRbac'
      ),
      {}
    )
    expect(message).toContain(`'${role}'`)
    expect(message).toContain(`'${permission}'`)
  })

  test('the firewall case', () => {
    expect(describeError(vaultError('getKey', 403, 'Forbidden', 'Client address is not authorized', 'ForbiddenByFirewall'), {})).toMatch(
      /firewall.*blocks this runner/
    )
  })

  test('the Azure Policy case', () => {
    expect(describeError(vaultError('setSecret', 403, 'Forbidden', 'denied by policy', 'ForbiddenByPolicy'), {})).toMatch(
      /Azure Policy assignment denied/
    )
  })

  test('a soft-deleted name says recover or purge', () => {
    const message = describeError(
      vaultError('setSecret', 409, 'Conflict', 'Secret x is currently in a deleted but recoverable state', 'ObjectIsDeletedButRecoverable'),
      {}
    )
    expect(message).toMatch(/Recover .* or purge/)
  })

  test('a missing KEK', () => {
    expect(describeError(vaultError('wrapKey', 404, 'KeyNotFound', 'A key with (name/id) kek was not found'), {})).toMatch(
      /KEK was not found: https:\/\/v1\.vault\.azure\.net\/keys\/kek\. Check kek-name/
    )
  })

  test('a rejected token points at the cloud and tenant', () => {
    expect(describeError(vaultError('getKey', 401, 'Unauthorized', 'AKV10032: Invalid issuer.'), {})).toMatch(
      /AKV10032.*environment.*tenant-id/
    )
  })

  test('throttling and server errors', () => {
    expect(describeError(vaultError('setSecret', 429, 'Throttled', 'too many'), {})).toMatch(/max-parallel/)
    expect(describeError(vaultError('setSecret', 503, 'ServiceUnavailable', 'down'), {})).toMatch(/HTTP 503.*request r-1/)
  })
})

test('an actionable error passes through unchanged', () => {
  expect(describeError(new ActionableError('do this'), {})).toBe('do this')
})

test("a key's own refusal points at the KEK, a secret's does not", () => {
  expect(describeError(vaultError('wrapKey', 403, 'Forbidden', 'Operation wrapKey is not permitted on this key.'), {})).toMatch(
    /key's own settings/
  )
  expect(
    describeError(vaultError('getSecret', 403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled'), {})
  ).not.toMatch(/KEK/)
})
