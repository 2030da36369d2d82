/**
 * The root action, as the run skeleton runs it: its inputs, the vaults its token may reach, the
 * connections its first BEK will use, and its story (main.ts), which brings @actions/core and the
 * Azure SDK's pipeline and so is a chunk, compiled while those connections open.
 */
import { runAction } from '../../runner/run-action.ts'
import { checkSettings } from './inputs.ts'
import { preconnectForBeks } from './preconnect.ts'

export function run(): Promise<void> {
  return runAction({
    inputs: checkSettings,
    vaults: (settings) => [settings.vault.url, settings.kek.vault.url],
    preconnect: preconnectForBeks,
    main: () => import('./main.ts'),
    // A key-file's bytes are wrapped unchanged; whatever happened, they are zeroed.
    cleanup: (settings) => settings.keyFile?.bytes.fill(0)
  })
}
