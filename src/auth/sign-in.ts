/**
 * The @azure/identity credentials: the job's GitHub OIDC token and a federated credential when
 * client-id and tenant-id are given, otherwise the usual Azure credential chain (AZURE_*
 * variables, workload identity, managed identity on self-hosted runners, the Azure CLI session
 * that azure/login leaves). A chunk of its own, loaded by credential.ts.
 */
import type { TokenCredential } from '@azure/core-auth'
import { ClientAssertionCredential, DefaultAzureCredential } from '@azure/identity'
import type { Cloud } from '../net/clouds.ts'
import type { Connections } from '../net/connections.ts'
import type { GitHubIdToken } from './github-oidc.ts'
import type { Auth } from './auth-input.ts'

export function identityCredential(
  auth: Auth,
  cloud: Cloud,
  idToken: GitHubIdToken | undefined,
  connections: Connections
): TokenCredential {
  if (auth.kind === 'environment' || !idToken) {
    return new DefaultAzureCredential({
      authorityHost: cloud.authorityHost,
      // The chain's default gives a managed identity endpoint 5 retries from 800 ms: 20 s
      // before a runner without any credential hears what to do. A real endpoint answers the
      // first or second time.
      retryOptions: { maxRetries: 1, retryDelayInMs: 500 }
    })
  }
  return new ClientAssertionCredential(auth.tenantId, auth.clientId, idToken.get, {
    authorityHost: cloud.authorityHost,
    // All its requests go to the authority host: use the connection opened for it ahead of time.
    agent: connections.agentFor(new URL(cloud.authorityHost).hostname),
    // The authority comes from the cloud table, so there is nothing to discover: skipping
    // instance discovery saves a round trip to login.microsoftonline.com.
    disableInstanceDiscovery: true
  })
}
