/** The inventory's inputs: the common ones, and when to fail the step. */
import { actionInput } from '../../runner/action-input.ts'
import { type CommonSettings, getCommonSettings, parseChoice } from '../create/inputs.ts'

export const FAIL_ON = ['never', 'at-risk', 'not-current'] as const
export type FailOn = (typeof FAIL_ON)[number]

export interface InventorySettings extends CommonSettings {
  readonly failOn: FailOn
}

export function getInventorySettings(input: (name: string) => string = actionInput): InventorySettings {
  return { ...getCommonSettings(input), failOn: parseChoice('fail-on', input('fail-on'), FAIL_ON, 'never') }
}
