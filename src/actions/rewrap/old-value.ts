/**
 * The first step of a rewrap: the vault unwraps the secret's latest value with the KEK version
 * its tag names, and what it answers is checked as far as it can be before anything is wrapped
 * with it (src/ade/verified-wrap.ts, shared with copy-keys). The plaintext is returned in a
 * Buffer the caller zeroes.
 */
import type { VaultClient } from '../../keyvault/client.ts'
import { checkBekFile as checkStartupKey, unwrapWithKek } from '../../ade/verified-wrap.ts'
import type { RewrapPlan } from './plan.ts'

export function unwrapOld(vault: VaultClient, step: RewrapPlan, value: string): Promise<Buffer> {
  return unwrapWithKek(vault, step.oldKekUrl, step.oldAlgorithm, value, 'the rewrap')
}

/** True: a raw key tagged as a Windows .BEK file (see checkBekFile in src/ade/verified-wrap.ts). */
export function checkBekFile(step: RewrapPlan, tags: Readonly<Record<string, string>>, plain: Buffer): boolean {
  return checkStartupKey(step.oldKekUrl, tags, plain, 'secret-name')
}
