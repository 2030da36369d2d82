/** The inventory's inputs: the common ones, and when to fail the step. */
import { actionInput } from '../../runner/inputs.ts'
import { type CommonSettings, getCommonSettings } from '../../runner/common-settings.ts'
import { parseChoice } from '../../runner/inputs.ts'
import { type ReportFile, parseReportFile } from '../../runner/report-file.ts'

export const FAIL_ON = ['never', 'at-risk', 'not-current'] as const
export type FailOn = (typeof FAIL_ON)[number]

export interface InventorySettings extends CommonSettings {
  readonly failOn: FailOn
  /** Where the full list goes (always written when given). */
  readonly reportFile?: ReportFile
}

export function getInventorySettings(input: (name: string) => string = actionInput): InventorySettings {
  return {
    ...getCommonSettings(input),
    failOn: parseChoice('fail-on', input('fail-on'), FAIL_ON, 'never'),
    reportFile: parseReportFile(input('report-file'))
  }
}
