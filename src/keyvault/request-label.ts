/** Names a Key Vault request the way a user reads it: "the secret PUT for 'bek-1'", "the read of key 'kek'". */
import { untrusted } from '../runner/untrusted.ts'
import type { VaultOperation } from './operation.ts'

export interface RequestTarget {
  /** The vault's host, escaped. */
  readonly host: string
  /** The vault's name (the host's first label), escaped. */
  readonly vault: string
  /** The key or secret name, escaped ('' for a list of secrets). */
  readonly name: string
  /** The object's version, or ''. */
  readonly version: string
}

/** What a Key Vault URL (`/keys|secrets/<name>[/<version>][/<action>]`) is about. */
export function targetOf(url: string): RequestTarget {
  const parsed = new URL(url)
  const [, , name = '', version = ''] = parsed.pathname.split('/')
  const host = untrusted(parsed.hostname, 200)
  return {
    host,
    vault: host.split('.')[0] ?? host,
    name: untrusted(name, 127),
    version: /^[0-9a-f]{32}$/i.test(version) ? version.toLowerCase() : ''
  }
}

export function requestLabel(operation: VaultOperation, method: string, url: string): string {
  const { name, version } = targetOf(url)
  const which = `'${name}'${version ? ` (version ${version})` : ''}`
  switch (operation) {
    case 'getKey':
      return `read of key ${which}`
    case 'createKey':
      return `create of key ${which}`
    case 'wrapKey':
      return `wrapkey request for key ${which}`
    case 'unwrapKey':
    case 'unwrapStored':
      return `unwrapkey request for key ${which}`
    case 'getSecret':
      return `read of secret ${which}`
    case 'setSecret':
      return `secret ${method} for ${which}`
    case 'listSecrets':
      return 'list of secrets'
    case 'listSecretVersions':
      return `list of the versions of secret ${which}`
    case 'listKeyVersions':
      return `list of the versions of key ${which}`
    case 'restoreKey':
      return 'key restore request'
    case 'restoreSecret':
      return 'secret restore request'
    case 'recoverKey':
      return `recovery of deleted key ${which}`
    case 'recoverSecret':
      return `recovery of deleted secret ${which}`
  }
}
