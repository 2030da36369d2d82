/**
 * Signs in to Entra ID (sign-in.ts). @azure/identity and MSAL are two thirds of the code a run
 * needs, and nothing needs them before the first token request: they load then, as a chunk of
 * their own, while the connections opened at start-up and the OIDC token fetch are under way.
 */
import type { TokenCredential } from '@azure/core-auth'
import type { Cloud } from './clouds.ts'
import type { Connections } from './connections.ts'
import type { GitHubIdToken } from './github-oidc.ts'
import type { Auth } from './inputs.ts'

export function createCredential(auth: Auth, cloud: Cloud, idToken: GitHubIdToken | undefined, connections: Connections): TokenCredential {
  let credential: Promise<TokenCredential> | undefined
  return {
    async getToken(scopes, options) {
      credential ??= import('./sign-in.ts').then(({ identityCredential }) => identityCredential(auth, cloud, idToken, connections))
      return (await credential).getToken(scopes, options)
    }
  }
}
