/**
 * restore-keys, as the run skeleton runs it. The vaults the token may reach are the ones the
 * inputs name; those a recovery point names are known only after it is read (main.ts).
 */
import { runAction } from '../../runner/run-action.ts'
import { getRestoreSettings } from './inputs.ts'

export function run(): Promise<void> {
  return runAction({
    inputs: getRestoreSettings,
    vaults: (settings) => [settings.keyVault?.url, settings.kekVault?.url].filter((url): url is string => url !== undefined),
    preconnect: (connections, settings) => {
      const host = settings.source.kind === 'recovery-point' ? new URL(settings.cloud.armEndpoint).hostname : undefined
      if (host) connections.preconnect(host)
    },
    main: () => import('./main.ts')
  })
}
