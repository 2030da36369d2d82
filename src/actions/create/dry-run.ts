/**
 * dry-run: everything a real run would check, and nothing it would store. The KEK is read and
 * checked, one throw-away random key is wrapped (proving wrapKey and the KEK) and zeroed, the
 * secret names are checked against if-exists, and, with ARM, every vault check. Each check is
 * reported as passed or failed; the step fails unless all passed. This is what a pull-request
 * check runs.
 */
import * as core from '@actions/core'
import { ActionableError } from '../../runner/actionable-error.ts'
import { checkWrappedValue } from '../../keyvault/answer-checks.ts'
import type { ArmResult } from '../../arm/index.ts'
import { decideOnExisting } from './bek.ts'
import { type CheckRow, writeCheckTable } from '../../runner/check-table.ts'
import { describeError } from '../../runner/errors.ts'
import type { Settings } from './inputs.ts'
import { type Kek, checkPlaintextFits, kekUrl, kekWarnings, readKek } from '../../ade/kek.ts'
import { generateKey } from '../../ade/key-bytes.ts'
import { readSecret } from '../../keyvault/secrets.ts'
import type { Session } from '../../runner/session.ts'
import { untrusted, untrustedHtml } from '../../runner/untrusted.ts'
import { verifyUnwrap, wrapKey } from '../../keyvault/wrap.ts'

export interface DryRunJob {
  readonly session: Session
  readonly settings: Settings
  /** The vault resources, when ARM is used. */
  readonly armRead?: Promise<ArmResult>
  readonly warn: (message: string) => void
  /** Every warning so far, for the summary. */
  readonly warnings: readonly string[]
}

export async function dryRun(job: DryRunJob): Promise<void> {
  const { session, settings } = job
  core.info(`Dry run: checking ${untrusted(settings.vault.url)} and the KEK ${untrusted(kekUrl(settings.kek))}; nothing will be stored.`)
  const describe = (error: unknown): string => describeError(error, session.errorContext())
  const [keyRows, nameRows, armRows] = await session.deadline.race(
    Promise.all([kekChecks(job, describe), nameChecks(job, describe), armChecks(job, describe)])
  )
  const rows = [...keyRows, ...nameRows, ...armRows]
  for (const row of rows) {
    if (row.outcome !== 'failed')
      core.info(`${row.outcome}: ${untrusted(row.vault)}: ${row.check}${row.details.length ? ` (${row.details.join(' ')})` : ''}`)
  }
  const failed = rows.filter((row) => row.outcome === 'failed')
  await writeReport(job, rows, failed.length).catch((error: unknown) => core.debug(`No dry-run summary: ${String(error)}`))
  // Passing and failing runs count the same checks: those made; the rest are named apart.
  const made = rows.filter((row) => row.outcome !== 'not checked').length
  const unchecked = rows.length - made
  const aside = unchecked > 0 ? ` (${unchecked} not checked without subscription-id)` : ''
  const last = failed.at(-1)
  if (!last) {
    core.info(`Dry run: all ${made} checks passed${aside}; nothing was stored.`)
    return
  }
  failed.slice(0, -1).forEach((row) => core.error(row.details.join(' ')))
  core.setFailed(
    `${last.details.join(' ')} (dry run: ${failed.length} of ${made} ${made === 1 ? 'check' : 'checks'} failed${aside}; nothing was stored.)`
  )
}

type Describe = (error: unknown) => string

const passed = (vault: string, check: string, ...details: string[]): CheckRow => ({ vault, check, outcome: 'passed', details })
const failedRow = (vault: string, check: string, detail: string): CheckRow => ({ vault, check, outcome: 'failed', details: [detail] })

/** The KEK, a wrap of a throw-away key with it, and (with verify) its unwrap. */
async function kekChecks({ session, settings, warn }: DryRunJob, describe: Describe): Promise<CheckRow[]> {
  const vaultName = settings.kek.vault.name
  let kek: Kek
  try {
    kek = await readKek(session.vault, settings.kek)
  } catch (error) {
    return [failedRow(vaultName, 'KEK', describe(error))]
  }
  session.pacer.useKek(kek)
  const warnings = kekWarnings(kek, settings.osType)
  warnings.forEach(warn)
  const rows: CheckRow[] = [
    warnings.length
      ? { vault: vaultName, check: 'KEK', outcome: 'warning', details: warnings }
      : passed(vaultName, 'KEK', `${untrusted(kek.kid)}, ${untrusted(kek.kty)} ${kek.bits}-bit`)
  ]
  // The same size as the real key would have; random, never stored, zeroed.
  const key = generateKey((settings.keyFile?.bytes.length ?? settings.keySizeBits / 8) * 8)
  try {
    checkPlaintextFits(kek, settings.algorithm, key.length, settings.keyFile ? 'key-file' : 'key-size')
    await session.pacer.keyOperations.take()
    const wrapped = await wrapKey(session.vault, settings.kek, kek.kid, settings.algorithm, key)
    if (wrapped.kid !== kek.kid) {
      throw new ActionableError(`The KEK changed while this step ran: read ${kek.kid}, wrapped with ${wrapped.kid}. Re-run the step.`)
    }
    checkWrappedValue(wrapped.value, kek.bits, `POST ${wrapped.kid}/wrapkey`)
    rows.push(passed(vaultName, 'wrapKey', `a throw-away key wrapped with ${settings.algorithm}`))
    if (settings.verify) {
      await session.pacer.keyOperations.take()
      await verifyUnwrap(session.vault, wrapped, settings.algorithm, key)
      rows.push(passed(vaultName, 'unwrapKey (verify)', 'the vault unwrapped it to the key'))
    }
  } catch (error) {
    rows.push(failedRow(vaultName, rows.length === 1 ? 'wrapKey' : 'unwrapKey (verify)', describe(error)))
  } finally {
    key.fill(0)
  }
  return rows
}

/** Each given secret name against if-exists, as the real run would decide, at most max-parallel at a time. */
async function nameChecks({ session, settings, warn }: DryRunJob, describe: Describe): Promise<CheckRow[]> {
  if (!settings.secretNamesMayExist) return []
  const rows: CheckRow[] = new Array(settings.secretNames.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < settings.secretNames.length) {
      const index = next++
      const name = settings.secretNames[index]!
      const check = `secret ${untrusted(name)} (if-exists: ${settings.ifExists})`
      try {
        const existing = await readSecret(session.vault, settings.vault, name)
        if (!existing) rows[index] = passed(settings.vault.name, check, 'does not exist yet; it would be created')
        else {
          const reuse = decideOnExisting(settings, name, existing, warn)
          rows[index] = passed(settings.vault.name, check, reuse ? 'exists; it would be reused' : 'exists; a new version would be added')
        }
      } catch (error) {
        rows[index] = failedRow(settings.vault.name, check, describe(error))
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(settings.maxParallel, settings.secretNames.length) }, worker))
  return rows
}

/** ADE's vault checks, with ARM; without it, what only ARM can tell is marked not checked. */
async function armChecks({ settings, armRead, warn }: DryRunJob, describe: Describe): Promise<CheckRow[]> {
  if (!armRead) {
    return [
      {
        vault: settings.vault.name,
        check: 'vault resources (ARM)',
        outcome: 'not checked',
        details: [
          'give subscription-id to check disk encryption, region, soft delete, purge protection, the firewall and the permission to store the secret'
        ]
      }
    ]
  }
  let result: ArmResult
  try {
    result = await armRead
  } catch (error) {
    return [failedRow(settings.vault.name, 'vault resources (ARM)', describe(error))]
  }
  result.checks.filter((c) => c.level === 'warning').forEach((c) => warn(c.message))
  core.setOutput('key-vault-id', result.vaultId)
  core.setOutput('kek-vault-id', result.kekVaultId)
  return [...result.rows]
}

async function writeReport({ warnings }: DryRunJob, rows: readonly CheckRow[], failures: number): Promise<void> {
  const summary = core.summary.addHeading(
    failures ? `Dry run: ${failures} ${failures === 1 ? 'check' : 'checks'} failed` : 'Dry run: every check passed',
    2
  )
  summary.addRaw('<p>Nothing was stored: one throw-away key was wrapped and zeroed.</p>', true)
  if (warnings.length > 0) summary.addHeading('Warnings', 3).addList(warnings.map((warning) => untrustedHtml(warning, 2000)))
  await summary.write()
  await writeCheckTable('Checks', rows)
}
