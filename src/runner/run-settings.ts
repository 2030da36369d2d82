/**
 * The inputs every action of this repository takes, with the same meaning and checks: the
 * cloud, the sign-in, the parallelism and the step's deadline (and the proxy variables).
 */
import { type Auth, parseAuth } from '../auth/auth-input.ts'
import { type Cloud, CLOUD_NAMES, findCloud } from '../net/clouds.ts'
import { checkProxyEnvironment } from '../net/proxy-environment.ts'
import { InputError, type ReadInput, actionInput, parseInteger } from './inputs.ts'

/** What the run skeleton and the session need: every action's cloud, sign-in, parallelism and deadline. */
export interface RunSettings {
  readonly cloud: Cloud
  readonly auth: Auth
  readonly maxParallel: number
  /** The whole step's deadline. */
  readonly timeoutSeconds: number
}

/** RunSettings plus key-vault: the actions that work in one vault. */
export const DEFAULT_MAX_PARALLEL = 16
const MAX_PARALLEL = 64

/** environment, sign-in, max-parallel and timeout-seconds, for an action without key-vault. */
export function getRunSettings(input: ReadInput = actionInput, cloud = parseCloud(input('environment'))): RunSettings {
  // A proxy URL no HTTP stack here can parse fails now, naming the variable, not half-way through the step.
  checkProxyEnvironment()
  return {
    cloud,
    auth: parseAuth(input('client-id'), input('tenant-id'), input('audience')),
    maxParallel: parseInteger('max-parallel', input('max-parallel'), 1, MAX_PARALLEL, DEFAULT_MAX_PARALLEL),
    timeoutSeconds: parseInteger('timeout-seconds', input('timeout-seconds'), 10, 3600, 300)
  }
}

export function parseCloud(value: string): Cloud {
  const cloud = findCloud(value.trim() || 'AzureCloud')
  if (!cloud) throw new InputError('environment', `'${value}' is not a known cloud; use one of ${CLOUD_NAMES.join(', ')}`)
  return cloud
}
