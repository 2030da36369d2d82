/**
 * restore-keys' inputs: one source of the two (a recovery point, or the config file a disk
 * restore wrote, read here as untrusted: at most 1 MiB, every field checked), where to restore,
 * and how. Everything is checked before the first request; a bad input names itself.
 */
import { resolve } from 'node:path'
import { BackupFieldError, type BackupKeys, fromEncryptionConfig } from '../../ade/backup-keys.ts'
import { OS_TYPES, type OsType } from '../../ade/os-type.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { type RecoveryPointId, parseRecoveryPointId } from '../../arm/recovery-point-id.ts'
import { type ArmSettings, parseArm, parseLocation } from '../../arm/subscription.ts'
import { type VaultRef, parseVault } from '../../keyvault/refs.ts'
import { KeyFileError, readKeyFile } from '../../runner/input-file.ts'
import { type RunSettings, getRunSettings } from '../../runner/run-settings.ts'
import { InputError, type ReadInput, actionInput, parseBoolean, parseChoice } from '../../runner/inputs.ts'
import { untrusted } from '../../runner/untrusted.ts'

/** A vmencryption_config.json is a few KiB; anything near this is not one. */
export const MAX_CONFIG_BYTES = 1024 * 1024
export const IF_EXISTS = ['fail', 'reuse'] as const

export type Source =
  | { readonly kind: 'recovery-point'; readonly point: RecoveryPointId }
  | { readonly kind: 'config-file'; readonly path: string; readonly keys: BackupKeys }

export interface RestoreSettings extends RunSettings {
  readonly source: Source
  /** Where the secret goes; by default the original secret's vault. */
  readonly keyVault?: VaultRef
  /** Where the KEK goes; by default the original KEK's vault. */
  readonly kekVault?: VaultRef
  readonly osType?: OsType
  readonly algorithm: WrapAlgorithm
  readonly machineName?: string
  readonly ifExists: (typeof IF_EXISTS)[number]
  readonly recoverDeleted: boolean
  readonly verify: boolean
  readonly arm?: ArmSettings
  readonly location?: string
}

export function getRestoreSettings(input: ReadInput = actionInput): RestoreSettings {
  const run = getRunSettings(input)
  const osType = input('os-type') ? parseChoice('os-type', input('os-type'), OS_TYPES, 'windows') : undefined
  const optionalVault = (name: string, value: string) => (value ? parseVault(name, value, run.cloud) : undefined)
  const keyVault = optionalVault('key-vault', input('key-vault'))
  const kekVault = optionalVault('kek-vault', input('kek-vault'))
  const machineName = input('machine-name')
  if (machineName && !/^[\w.-]{1,64}$/.test(machineName)) {
    throw new InputError('machine-name', `'${untrusted(machineName, 80)}' is not a VM name: 1-64 letters, digits, '.', '_' and '-'`)
  }
  return {
    ...run,
    source: parseSource(input, run.cloud, osType),
    ...(keyVault ? { keyVault } : {}),
    ...(kekVault ? { kekVault } : {}),
    ...(osType ? { osType } : {}),
    algorithm: parseChoice('algorithm', input('algorithm'), WRAP_ALGORITHMS, 'RSA-OAEP'),
    ...(machineName ? { machineName } : {}),
    ifExists: parseChoice('if-exists', input('if-exists'), IF_EXISTS, 'fail'),
    recoverDeleted: parseBoolean('recover-deleted', input('recover-deleted')),
    verify: parseBoolean('verify', input('verify'), 'true'),
    ...optional('arm', parseArm(input('subscription-id'), input('key-vault'))),
    ...optional('location', parseLocation(input('location')))
  }
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

function parseSource(input: ReadInput, cloud: RunSettings['cloud'], osType: OsType | undefined): Source {
  const pointText = input('recovery-point-id')
  const file = input('encryption-config-file')
  if (pointText && file) throw new InputError('encryption-config-file', 'give either recovery-point-id or encryption-config-file, not both')
  if (pointText) return { kind: 'recovery-point', point: parseRecoveryPointId('recovery-point-id', pointText) }
  if (!file) {
    throw new InputError(
      'recovery-point-id',
      "one of recovery-point-id (an Azure Backup recovery point's resource ID) or encryption-config-file (the vmencryption_config.json a disk restore wrote) is required"
    )
  }
  if (!osType) throw new InputError('os-type', 'is required with encryption-config-file (the file does not say): windows or linux')
  return { kind: 'config-file', path: file, keys: readConfig(file, cloud) }
}

function readConfig(file: string, cloud: RunSettings['cloud']): BackupKeys {
  const named = `'${untrusted(file, 200)}'`
  let bytes: Buffer
  try {
    bytes = readKeyFile(resolve(file), MAX_CONFIG_BYTES)
  } catch (error) {
    if (!(error instanceof KeyFileError)) throw error
    const size = /^it has (\d+) bytes$/.exec(error.message)
    const why = size ? `it has ${size[1]} bytes; a vmencryption_config.json has 1 to ${MAX_CONFIG_BYTES} (1 MiB)` : error.message
    throw new InputError('encryption-config-file', `cannot read ${named}: ${why}`)
  }
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new InputError('encryption-config-file', `${named} is not JSON; give the vmencryption_config.json the disk restore wrote`)
  } finally {
    bytes.fill(0)
  }
  try {
    return fromEncryptionConfig(json, cloud)
  } catch (error) {
    if (!(error instanceof BackupFieldError)) throw error
    throw new InputError('encryption-config-file', `in ${named}: ${untrusted(error.message, 300)}`)
  }
}
