/**
 * A 2xx answer this action cannot read (not JSON, or too large) told it nothing, so the error
 * names the request, and after a write says what may already be in the vault and how a re-run
 * keeps it rather than storing the BEK twice.
 */
import { ActionableError } from '../runner/actionable-error.ts'
import { untrusted } from '../runner/untrusted.ts'
import { requestLabel, targetOf } from './request-label.ts'
import type { VaultOperation } from './operation.ts'

export class UnreadableAnswerError extends ActionableError {}

/** `what` completes "Key Vault's answer to … is": "not JSON", say. */
/** `rerun`: after a write, how a re-run of this action keeps what may be stored (the root action: if-exists: reuse). */
export function unreadableAnswer(
  operation: VaultOperation,
  method: string,
  url: string,
  what: string,
  rerun?: string
): UnreadableAnswerError {
  const { host, vault, name, version } = targetOf(url)
  const answer = `Key Vault's answer to ${method} ${untrusted(url.replace(/\?.*$/, '').replace(/\/$/, ''), 300)} is ${what}`
  if (operation === 'setSecret' && method === 'PUT') {
    return new UnreadableAnswerError(
      `${answer} (the ${requestLabel(operation, method, url)}). A version may have been stored as secret '${name}': ` +
        `${rerun ?? 're-run with if-exists: reuse to keep it rather than store a second one'} ` +
        `(az keyvault secret list-versions --vault-name ${vault} --name ${name} lists them).`
    )
  }
  if (operation === 'setSecret') {
    return new UnreadableAnswerError(
      `${answer} (the ${requestLabel(operation, method, url)}). The change may have been applied: check with ` +
        `az keyvault secret show --vault-name ${vault} --name ${name}${version ? ` --version ${version}` : ''}, then ${rerun ?? 're-run with if-exists: reuse'}.`
    )
  }
  return new UnreadableAnswerError(
    `${answer} (the ${requestLabel(operation, method, url)}). Nothing was stored; re-run the step. ` +
      `If it persists, check what answers for ${host} on the runner's network (a proxy answering in the vault's place).`
  )
}
