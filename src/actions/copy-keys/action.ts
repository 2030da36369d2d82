/** copy-keys, as the run skeleton runs it: its token goes to the sources' vaults, the target vault and the target KEK's vault, no other. */
import { runAction } from '../../runner/run-action.ts'
import { getCopySettings } from './inputs.ts'

export function run(): Promise<void> {
  return runAction({
    inputs: getCopySettings,
    vaults: (settings) => [
      ...new Set([...settings.items.map((item) => item.source.vault.url), settings.targetVault.url, settings.kek.vault.url])
    ],
    preconnect: (connections, settings) => connections.preconnect(new URL(settings.targetVault.url).hostname),
    main: () => import('./main.ts')
  })
}
