/**
 * What Azure Backup keeps of an ADE VM's keys, read from either place it hands them over: a
 * recovery point's `keyAndSecret` (Resource Manager) or the `vmencryption_config.json` a disk
 * restore writes. Both are read as untrusted: every field is checked for its type, size and
 * form before anything is sent anywhere, and a bad one is named by its path.
 */
import type { Cloud } from '../net/clouds.ts'
import type { OsType } from './os-type.ts'

export interface BackedUpObject {
  readonly vaultName: string
  readonly name: string
  readonly version: string
}

export interface BackupKeys {
  readonly osType?: OsType
  /** The original BEK secret (its name is the one restored). */
  readonly secret: BackedUpObject
  /** With a KEK: the wrapped BEK, exactly as the backup holds it. */
  readonly wrappedValue?: string
  /** With a KEK: the KEK's backup blob (Key Vault's bytes) and the version the BEK was wrapped with. */
  readonly kek?: BackedUpObject & { readonly backup: Buffer }
  /** Without a KEK: the secret's own backup blob. */
  readonly secretBackup?: Buffer
}

/** A field of the backup that is missing or malformed; `path` names it as the file or answer spells it. */
export class BackupFieldError extends Error {
  readonly path: string
  constructor(path: string, problem: string) {
    super(`${path} ${problem}`)
    this.path = path
  }
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/
const VERSION = /^[0-9a-fA-F]{32}$/
/** A wrapped BEK is one RSA block (at most 4096 bits) in base64; a secret value is at most 25 KiB. */
const MAX_WRAPPED_CHARS = 25 * 1024
/** Far more than a key backup (about 10 KiB) or a secret backup needs. */
const MAX_BACKUP_CHARS = 512 * 1024
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

function text(value: unknown, path: string, max: number): string {
  if (value === undefined || value === null || value === '') throw new BackupFieldError(path, 'is missing')
  if (typeof value !== 'string') throw new BackupFieldError(path, `is a ${Array.isArray(value) ? 'list' : typeof value}, not a string`)
  if (value.length > max) throw new BackupFieldError(path, `is ${value.length} characters long; at most ${max} are expected`)
  return value
}

/** A base64 (or base64url) field, as bytes. */
function base64(value: unknown, path: string, max: number): Buffer {
  const data = text(value, path, max)
  if (!BASE64.test(data)) throw new BackupFieldError(path, 'is not base64')
  return Buffer.from(data.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
}

/** A versioned Key Vault object URL of this cloud; `:443` is dropped (some backups carry it), any other port refused. */
function objectUrl(value: unknown, path: string, kind: 'keys' | 'secrets', cloud: Cloud): BackedUpObject {
  const data = text(value, path, 2048)
  const expected = `https://<vault>.${cloud.vaultSuffix}/${kind}/<name>/<32-hex version>`
  let url: URL
  try {
    url = new URL(data)
  } catch {
    throw new BackupFieldError(path, `is not a URL; expected ${expected}`)
  }
  const suffix = `.${cloud.vaultSuffix}`
  const match = new RegExp(`^/${kind}/([^/]+)/([^/]+)/?$`, 'i').exec(url.pathname)
  const vaultName = url.hostname.endsWith(suffix) ? url.hostname.slice(0, -suffix.length) : ''
  const ok =
    url.protocol === 'https:' &&
    (url.port === '' || url.port === '443') &&
    !url.username &&
    !url.search &&
    /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/i.test(vaultName) &&
    match &&
    NAME.test(match[1]!) &&
    VERSION.test(match[2]!)
  if (!ok) throw new BackupFieldError(path, `is not ${expected}`)
  return { vaultName: vaultName.toLowerCase(), name: match[1]!, version: match[2]!.toLowerCase() }
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined || value === null) throw new BackupFieldError(path, 'is missing')
  if (typeof value !== 'object' || Array.isArray(value)) throw new BackupFieldError(path, 'is not an object')
  return value as Record<string, unknown>
}

function osTypeOf(value: unknown, path: string): OsType | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const os = typeof value === 'string' ? value.toLowerCase() : ''
  if (os !== 'windows' && os !== 'linux') throw new BackupFieldError(path, 'is neither Windows nor Linux')
  return os
}

/** A recovery point's answer: `properties.keyAndSecret` and `properties.osType`. */
export function fromRecoveryPoint(answer: unknown, cloud: Cloud): BackupKeys {
  const properties = object(object(answer, 'the answer')['properties'], 'properties')
  if (properties['isSourceVMEncrypted'] === false)
    throw new BackupFieldError('properties.isSourceVMEncrypted', 'is false: the VM was not encrypted')
  const keyAndSecret = object(properties['keyAndSecret'], 'properties.keyAndSecret')
  const bek = object(keyAndSecret['bekDetails'], 'properties.keyAndSecret.bekDetails')
  const secret = objectUrl(bek['secretUrl'], 'properties.keyAndSecret.bekDetails.secretUrl', 'secrets', cloud)
  const osType = osTypeOf(properties['osType'], 'properties.osType')
  const kekDetails = keyAndSecret['kekDetails']
  if (kekDetails === undefined || kekDetails === null) {
    // A VM encrypted with a BEK alone: Backup keeps the secret's own backup.
    return {
      ...(osType ? { osType } : {}),
      secret,
      secretBackup: base64(bek['secretData'], 'properties.keyAndSecret.bekDetails.secretData', MAX_BACKUP_CHARS)
    }
  }
  const kek = object(kekDetails, 'properties.keyAndSecret.kekDetails')
  return {
    ...(osType ? { osType } : {}),
    secret,
    wrappedValue: wrapped(bek['secretData'], 'properties.keyAndSecret.bekDetails.secretData'),
    kek: {
      ...objectUrl(kek['keyUrl'], 'properties.keyAndSecret.kekDetails.keyUrl', 'keys', cloud),
      backup: base64(kek['keyBackupData'], 'properties.keyAndSecret.kekDetails.keyBackupData', MAX_BACKUP_CHARS)
    }
  }
}

/** `vmencryption_config.json`: `OsDiskKeyAndSecretDetails`, with a KEK (KeyUrl, KeyBackupData, SecretData) or without (KeyVaultSecretBackupData). */
export function fromEncryptionConfig(json: unknown, cloud: Cloud): BackupKeys {
  const details = object(object(json, 'the file')['OsDiskKeyAndSecretDetails'], 'OsDiskKeyAndSecretDetails')
  const path = (field: string) => `OsDiskKeyAndSecretDetails.${field}`
  const secret = objectUrl(details['SecretUrl'], path('SecretUrl'), 'secrets', cloud)
  const secretBackup = details['KeyVaultSecretBackupData']
  if (details['KeyUrl'] === undefined && details['KeyBackupData'] === undefined && secretBackup !== undefined) {
    return { secret, secretBackup: base64(secretBackup, path('KeyVaultSecretBackupData'), MAX_BACKUP_CHARS) }
  }
  return {
    secret,
    wrappedValue: wrapped(details['SecretData'], path('SecretData')),
    kek: {
      ...objectUrl(details['KeyUrl'], path('KeyUrl'), 'keys', cloud),
      backup: base64(details['KeyBackupData'], path('KeyBackupData'), MAX_BACKUP_CHARS)
    }
  }
}

/** The wrapped BEK: kept as the text the backup holds (it is stored exactly so), checked to be base64 of one RSA block. */
function wrapped(value: unknown, path: string): string {
  const bytes = base64(value, path, MAX_WRAPPED_CHARS)
  if (![256, 384, 512].includes(bytes.length)) {
    throw new BackupFieldError(path, `is ${bytes.length} bytes; a BEK wrapped with an RSA KEK is 256, 384 or 512`)
  }
  return value as string
}
