/**
 * The connections to Key Vault (and Resource Manager) a run of the main action opens while the
 * OIDC token is being fetched (the session opens the one to Entra ID): one for each request the
 * first BEK sends at once: KEK read and wrap, and the name check when it runs alongside them.
 */
import type { Connections } from '../../net/connections.ts'
import type { CheckedSettings } from './inputs.ts'

export function preconnectForBeks(connections: Connections, settings: CheckedSettings): void {
  const vaultHost = new URL(settings.vault.url).hostname
  const kekHost = new URL(settings.kek.vault.url).hostname
  const nameChecks = settings.secretNamesMayExist && settings.ifExists !== 'reuse' ? 1 : 0
  if (settings.arm) {
    connections.preconnect(new URL(settings.cloud.armEndpoint).hostname, 2)
    // The ARM token is asked for alongside the Key Vault one.
    if (settings.auth.kind === 'oidc') connections.preconnect(new URL(settings.cloud.authorityHost).hostname)
  }
  if (kekHost === vaultHost) connections.preconnect(vaultHost, 2 + nameChecks)
  else {
    connections.preconnect(kekHost, 2)
    connections.preconnect(vaultHost)
  }
}
