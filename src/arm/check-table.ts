/**
 * The job summary's table of ADE's vault checks: every check on every vault, passed or not,
 * so a pull-request check shows what it verified as well as what it found.
 */
import * as core from '@actions/core'
import { escapeHtml } from '../untrusted.ts'
import { CHECK_NAMES, type Check } from './checks.ts'

const RESULT = { error: '❌ fails', warning: '⚠️ warning', passed: '✅ passed' } as const

export async function writeCheckTable(vaults: readonly string[], checks: readonly Check[]): Promise<void> {
  const rows = vaults.flatMap((vault) =>
    CHECK_NAMES.map((name) => {
      const found = checks.filter((c) => c.vault === vault && c.name === name)
      const level = found.some((c) => c.level === 'error') ? 'error' : found.length > 0 ? 'warning' : 'passed'
      // Vault names are validated inputs; the messages were made printable when they were written.
      return [escapeHtml(vault), name, RESULT[level], found.map((c) => escapeHtml(c.message)).join('<br>')]
    })
  )
  await core.summary
    .addHeading('Vault checks (Azure Resource Manager)', 3)
    .addTable([
      [
        { data: 'Vault', header: true },
        { data: 'Check', header: true },
        { data: 'Result', header: true },
        { data: 'Fix', header: true }
      ],
      ...rows
    ])
    .write()
}
