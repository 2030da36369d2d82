/**
 * Reading the vault resources through Azure Resource Manager, when the inputs ask for it, as the
 * run sees it: started at once, enforced before the first wrap, reported at the end. The ARM token is
 * asked for alongside the Key Vault one (it needs no ARM code); the ARM code itself is a lazily
 * loaded chunk, so a run without ARM never loads it.
 */
import * as core from '@actions/core'
import { ActionableError } from '../runner/actionable-error.ts'
import type { ArmResult, VaultCheckRequest } from './index.ts'
import { writeCheckTable } from '../runner/check-table.ts'
import type { Session } from '../runner/session.ts'

export function startArmRead(session: Session, request: VaultCheckRequest | undefined): Promise<ArmResult> | undefined {
  if (!request) return undefined
  const token = session.credential.getToken(request.cloud.armScope)
  token.catch(() => undefined)
  const read = import('./index.ts').then((arm) => arm.readVaultResources(token, request, session.connections))
  read.catch(() => undefined)
  return read
}

/** Settles once every vault check passed (warnings said); otherwise fails, after naming every failing check. */
export async function enforceVaultChecks(read: Promise<ArmResult>, warn: (message: string) => void): Promise<ArmResult> {
  const result = await read
  result.checks.filter((c) => c.level === 'warning').forEach((c) => warn(c.message))
  const errors = result.checks.filter((c) => c.level === 'error')
  const last = errors.at(-1)
  if (last) {
    errors.slice(0, -1).forEach((c) => core.error(c.message))
    throw new ActionableError(
      `${last.message} (${errors.length} vault ${errors.length === 1 ? 'check' : 'checks'} failed; nothing was stored.)`
    )
  }
  return result
}

/** The summary's table of every vault check, passed or not, when the vaults could be read. */
export async function writeVaultChecks(read: Promise<ArmResult>): Promise<void> {
  const result = await read.catch(() => undefined)
  if (!result) return
  // A summary that cannot be written must not hide what the checks found: they are in the log.
  await writeCheckTable('Vault checks (Azure Resource Manager)', result.rows).catch((error: unknown) =>
    core.debug(`No check table in the summary: ${String(error)}`)
  )
}
