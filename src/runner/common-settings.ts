/** The inputs of the actions that work in one vault: every action's (run-settings.ts) and key-vault. */
import { type VaultRef, parseVault } from '../keyvault/refs.ts'
import { type ReadInput, actionInput } from './inputs.ts'
import { type RunSettings, getRunSettings, parseCloud } from './run-settings.ts'

export interface CommonSettings extends RunSettings {
  readonly vault: VaultRef
}

/** key-vault, environment, sign-in, max-parallel and timeout-seconds (and the proxy variables): what every action here reads first. */
export function getCommonSettings(input: ReadInput = actionInput): CommonSettings {
  const cloud = parseCloud(input('environment'))
  return { vault: parseVault('key-vault', input('key-vault'), cloud), ...getRunSettings(input, cloud) }
}
