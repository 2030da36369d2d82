/** The rewrap, as the run skeleton runs it: its token goes to key-vault, the target KEK's vault and kek-vaults, no other. */
import { runAction } from '../../runner/run-action.ts'
import { getRewrapSettings } from './inputs.ts'

export function run(): Promise<void> {
  return runAction({
    inputs: getRewrapSettings,
    vaults: (settings) => [settings.vault.url, settings.kek.vault.url, ...settings.kekVaults.map((vault) => vault.url)],
    preconnect: (connections, settings) => connections.preconnect(new URL(settings.vault.url).hostname),
    main: () => import('./main.ts')
  })
}
