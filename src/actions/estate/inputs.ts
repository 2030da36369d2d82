/** The estate's inputs: which subscriptions and groups, how deep to probe the keys, when to fail the step. */
import { type RunSettings, getRunSettings } from '../../runner/run-settings.ts'
import { type ReportFile, parseReportFile } from '../../runner/report-file.ts'
import { GUID_PATTERN, InputError, type ReadInput, actionInput, inputLines, parseChoice } from '../../runner/inputs.ts'

export const PROBES = ['read', 'unwrap', 'none'] as const
export type Probe = (typeof PROBES)[number]
export const FAIL_ON = ['never', 'at-risk', 'ade'] as const
export type FailOn = (typeof FAIL_ON)[number]

export interface EstateSettings extends RunSettings {
  /** Lower case, each once. */
  readonly subscriptionIds: readonly string[]
  /** Lower case; undefined: every group. */
  readonly resourceGroups?: ReadonlySet<string>
  readonly probe: Probe
  readonly failOn: FailOn
  /** Where the whole report goes, when asked for. */
  readonly reportFile?: ReportFile
}

/** Resource group names: 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period. */
const GROUP_PATTERN = /^[-\w.()]{0,89}[-\w()]$/u

export function getEstateSettings(input: ReadInput = actionInput): EstateSettings {
  const run = getRunSettings(input)
  const subscriptionIds = inputLines(input('subscription-ids'))
  if (subscriptionIds.length === 0) throw new InputError('subscription-ids', 'is required: one subscription ID (a GUID) a line')
  for (const id of subscriptionIds) {
    if (!GUID_PATTERN.test(id)) throw new InputError('subscription-ids', `'${id}' is not a subscription ID (a GUID)`)
  }
  const groups = inputLines(input('resource-groups'))
  for (const group of groups) {
    if (!GROUP_PATTERN.test(group)) {
      throw new InputError('resource-groups', `'${group}' is not a resource group name (1-90 letters, digits, _ - . ( ), not ending in .)`)
    }
  }
  return {
    ...run,
    subscriptionIds: [...new Set(subscriptionIds.map((id) => id.toLowerCase()))],
    ...(groups.length > 0 ? { resourceGroups: new Set(groups.map((g) => g.toLowerCase())) } : {}),
    probe: parseChoice('probe', input('probe'), PROBES, 'read'),
    failOn: parseChoice('fail-on', input('fail-on'), FAIL_ON, 'never'),
    reportFile: parseReportFile(input('report-file'))
  }
}
