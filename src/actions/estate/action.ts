/**
 * The estate, as the run skeleton runs it: its first requests go to Resource Manager; the
 * vaults are known only from the disks' settings, so the session starts with none and the
 * story asks for a client limited to the vaults those name (parsed as vaults of the cloud).
 */
import { runAction } from '../../runner/run-action.ts'
import { getEstateSettings } from './inputs.ts'

export function run(): Promise<void> {
  return runAction({
    inputs: getEstateSettings,
    vaults: () => [],
    preconnect: (connections, settings) => connections.preconnect(new URL(settings.cloud.armEndpoint).hostname),
    main: () => import('./main.ts')
  })
}
