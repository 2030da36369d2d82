/**
 * Signs in to Entra ID (sign-in.ts). @azure/identity and MSAL are two thirds of the code a run
 * needs, and nothing needs them before the first token request: they load then, as a chunk of
 * their own, once the OIDC token request is out, while its answer is on the way.
 */
import type { TokenCredential } from '@azure/core-auth'
import type { Cloud } from '../net/clouds.ts'
import type { Connections } from '../net/connections.ts'
import type { GitHubIdToken } from './github-oidc.ts'
import type { Auth } from './auth-input.ts'

export function createCredential(auth: Auth, cloud: Cloud, idToken: GitHubIdToken | undefined, connections: Connections): TokenCredential {
  let credential: Promise<TokenCredential> | undefined
  return {
    async getToken(scopes, options) {
      // Compiling the chunk holds the thread for tens of ms: with OIDC it waits until the token
      // request is out, so it runs while the answer is on its way instead of delaying the request.
      credential ??= (idToken?.sent ?? Promise.resolve())
        .then(() => import('./sign-in.ts'))
        .then(({ identityCredential }) => identityCredential(auth, cloud, idToken, connections))
      return (await credential).getToken(scopes, options)
    }
  }
}
