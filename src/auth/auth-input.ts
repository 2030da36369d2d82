/** How the step signs in: the OIDC inputs (client-id, tenant-id, audience), or the environment's credential. */
import { GUID_PATTERN, InputError } from '../runner/inputs.ts'

export type Auth =
  | { readonly kind: 'oidc'; readonly clientId: string; readonly tenantId: string; readonly audience: string }
  | { readonly kind: 'environment' }

export const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange'
const TENANT_DOMAIN_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+$/

export function parseAuth(clientId: string, tenantId: string, audience: string): Auth {
  const [client, tenant, aud] = [clientId.trim(), tenantId.trim(), audience.trim() || DEFAULT_AUDIENCE]
  if (!client && !tenant) return { kind: 'environment' }
  if (!client)
    throw new InputError(
      'client-id',
      'is required with tenant-id: the application (client) ID of the app or managed identity with the federated credential'
    )
  if (!tenant) throw new InputError('tenant-id', 'is required with client-id: the directory (tenant) ID')
  if (!GUID_PATTERN.test(client)) throw new InputError('client-id', `'${client}' is not an application (client) ID, which is a GUID`)
  if (!GUID_PATTERN.test(tenant) && !TENANT_DOMAIN_PATTERN.test(tenant)) {
    throw new InputError('tenant-id', `'${tenant}' is not a tenant ID (a GUID) or domain (contoso.onmicrosoft.com)`)
  }
  return { kind: 'oidc', clientId: client, tenantId: tenant, audience: aud }
}
