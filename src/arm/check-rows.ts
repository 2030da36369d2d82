/** ADE's vault checks as the summary's rows: every check on every vault, passed or not. */
import type { CheckRow } from '../runner/check-table.ts'
import { CHECK_NAMES, type Check } from './checks.ts'

export function armCheckRows(vaults: readonly string[], checks: readonly Check[]): CheckRow[] {
  return vaults.flatMap((vault) =>
    CHECK_NAMES.map((name) => {
      const found = checks.filter((c) => c.vault === vault && c.name === name)
      const outcome = found.some((c) => c.level === 'error') ? 'failed' : found.length > 0 ? 'warning' : 'passed'
      return { vault, check: name, outcome, details: found.map((c) => c.message) }
    })
  )
}
