/** The inventory, as the run skeleton runs it: it reads key-vault, and other vaults only as the KEK tags name them. */
import { runAction } from '../../runner/run-action.ts'
import { getInventorySettings } from './inputs.ts'

export function run(): Promise<void> {
  return runAction({
    inputs: getInventorySettings,
    vaults: (settings) => [settings.vault.url],
    preconnect: (connections, settings) => connections.preconnect(new URL(settings.vault.url).hostname),
    main: () => import('./main.ts')
  })
}
