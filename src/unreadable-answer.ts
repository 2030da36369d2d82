/**
 * A 2xx answer this action cannot read (not JSON, or too large) told it nothing, so the error
 * names the request, and after a write says what may already be in the vault and how a re-run
 * keeps it rather than storing the BEK twice.
 */
import { ActionableError } from './actionable-error.ts'
import { untrusted } from './untrusted.ts'
import type { VaultOperation } from './vault-operation.ts'

export class UnreadableAnswerError extends ActionableError {}

/** `what` completes "Key Vault answered … with": "something that is not JSON", say. */
export function unreadableAnswer(operation: VaultOperation, method: string, url: string, what: string): UnreadableAnswerError {
  const { host, name, version } = objectOf(url)
  const vault = host.split('.')[0] ?? host
  const answered = `Key Vault answered the ${requestLabel(operation, method, name, version)} with ${what}`
  if (operation === 'setSecret' && method === 'PUT') {
    return new UnreadableAnswerError(
      `${answered}. The vault may have stored it: re-run with if-exists: reuse to keep what it stored rather than store a second version ` +
        `(az keyvault secret list-versions --vault-name ${vault} --name ${name} shows it).`
    )
  }
  if (operation === 'setSecret') {
    return new UnreadableAnswerError(
      `${answered}. The vault may have applied it: check with az keyvault secret show --vault-name ${vault} --name ${name}${version ? ` --version ${version}` : ''}, ` +
        'then re-run with if-exists: reuse.'
    )
  }
  return new UnreadableAnswerError(
    `${answered}; nothing was stored. Re-run the step; if it persists, check what answers for ${host} on the runner's network (a proxy answering in the vault's place).`
  )
}

function requestLabel(operation: VaultOperation, method: string, name: string, version: string): string {
  const key = `key '${name}'${version ? ` (version ${version})` : ''}`
  const secret = `'${name}'${version ? ` (version ${version})` : ''}`
  switch (operation) {
    case 'getKey':
      return `read of ${key}`
    case 'wrapKey':
      return `wrapkey request for ${key}`
    case 'unwrapKey':
      return `unwrapkey request for ${key}`
    case 'getSecret':
      return `read of secret ${secret}`
    case 'setSecret':
      return method === 'PUT' ? `secret PUT for ${secret}` : `secret ${method} for ${secret}`
    case 'listSecrets':
      return 'list of secrets'
    case 'listSecretVersions':
      return `list of the versions of secret ${secret}`
  }
}

/** The vault host, object name and version in a Key Vault URL (`/keys|secrets/<name>[/<version>][/<action>]`). */
function objectOf(url: string): { host: string; name: string; version: string } {
  const parsed = new URL(url)
  const [, , name = '', version = ''] = parsed.pathname.split('/')
  const isVersion = /^[0-9a-f]{32}$/i.test(version)
  return {
    host: untrusted(parsed.hostname, 200),
    name: untrusted(name, 127),
    version: isVersion ? version.toLowerCase() : ''
  }
}
