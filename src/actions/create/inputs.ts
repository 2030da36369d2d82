/**
 * Reads every input into one typed, validated Settings object before anything touches the
 * network. A bad input throws an InputError that names the input, the problem and the form
 * that is allowed.
 */
import { resolve } from 'node:path'
import { BekFormatError, type BekFile, parseBekFile } from '../../ade/bek-file.ts'
import { OS_TYPES, type OsType } from '../../ade/os-type.ts'
import { runProvenance } from '../../ade/provenance.ts'
import { ADE_TAG_NAMES, MAX_TAGS, TAG_CREATED_BY } from '../../ade/tags.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm, maxPlaintextBytes } from '../../ade/wrap-algorithms.ts'
import { type ArmSettings, parseArm, parseLocation } from '../../arm/subscription.ts'
import { type KeyOutputTarget, parseKeyOutputFile } from '../../handoff/target.ts'
import { type KekRef, parseKek, parseNameLines } from '../../keyvault/refs.ts'
import { checkProxyEnvironment } from '../../net/proxy-environment.ts'
import { type CommonSettings, getCommonSettings } from '../../runner/common-settings.ts'
import { InputError, type ReadInput, actionInput, inputLines, parseBoolean, parseChoice, parseInteger } from '../../runner/inputs.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { KeyFileError, readKeyFile } from '../../runner/input-file.ts'

export type IfExists = 'fail' | 'reuse' | 'new-version'

export interface KeyFile {
  readonly path: string
  /** The file's bytes, wrapped unchanged; zeroed once wrapped. */
  readonly bytes: Buffer
  /** Set when the file is a BitLocker startup key (always, with os-type windows). */
  readonly bek?: BekFile
}

/**
 * The main action's inputs, all checked, before its secrets are named: generating fresh names
 * needs node:crypto, which is loaded only once the first connections are out (nameSecrets).
 */
export interface CheckedSettings extends CommonSettings {
  readonly kek: KekRef
  /** The names asked for (secret-name, or the .BEK file's protector ID), in order; empty for fresh ones. */
  readonly givenNames: readonly string[]
  /** How many fresh names to generate when none is given (count). */
  readonly freshNames: number
  /** False when the names are fresh UUIDs, which cannot exist yet. */
  readonly secretNamesMayExist: boolean
  readonly algorithm: WrapAlgorithm
  readonly keySizeBits: 128 | 192 | 256
  readonly keyFile?: KeyFile
  /** Where to hand the wrapped bytes to later steps (key-output-file). */
  readonly keyOutput?: KeyOutputTarget
  readonly osType: OsType
  /** Extra tags, in the order given. */
  readonly tags: ReadonlyArray<readonly [string, string]>
  /** Value of the CreatedBy tag; undefined with provenance: false or outside a runner. */
  readonly createdBy?: string
  /** Why there is no CreatedBy tag although provenance is on; warned about with the step's other warnings. */
  readonly createdByWarning?: string
  readonly ifExists: IfExists
  readonly verify: boolean
  /** Set when the vaults are read through Azure Resource Manager (subscription-id, or key-vault as a resource ID). */
  readonly arm?: ArmSettings
  /** The VMs' region, as given. */
  readonly location?: string
  /** Check everything, wrap one throw-away key, store nothing. */
  readonly dryRun: boolean
}

export interface Settings extends CheckedSettings {
  /** One name per BEK to create, in the order the user asked for them. */
  readonly secretNames: readonly string[]
}

export const MAX_COUNT = 1000
const TAG_TEXT_MAX = 256

/** Reads the inputs the way the runner passes them (`INPUT_<NAME>` variables), and the run they are for. */
export function getSettings(input: ReadInput = actionInput, env: NodeJS.ProcessEnv = process.env): Settings {
  return nameSecrets(checkSettings(input, env))
}

/** Every input checked, as getSettings does, short of generating fresh secret names. */
export function checkSettings(input: ReadInput = actionInput, env: NodeJS.ProcessEnv = process.env): CheckedSettings {
  checkProxyEnvironment(env)
  const common = getCommonSettings(input)
  const { cloud, vault } = common
  const kek = parseKek(input('kek-name'), input('kek-version'), input('kek-url'), vault, cloud)
  const algorithm = parseChoice('algorithm', input('algorithm'), WRAP_ALGORITHMS, 'RSA-OAEP')
  const osType = parseChoice('os-type', input('os-type'), OS_TYPES, 'windows')
  const keyFile = parseKeyFile(input('key-file'), input('key-size'), algorithm, osType)
  const secretNames = parseSecretNames(input('secret-name'), input('count'), keyFile)
  const provenance = parseBoolean('provenance', input('provenance'), 'true')
  const tags = parseTags(input('tags'), provenance)
  const ifExists = parseChoice('if-exists', input('if-exists'), ['fail', 'reuse', 'new-version'] as const, 'fail')
  const keyOutput = parseKeyOutputFile(input('key-output-file'), {
    several: Math.max(secretNames.given.length, secretNames.fresh) > 1,
    keyFileGiven: keyFile !== undefined,
    reuse: ifExists === 'reuse',
    env
  })
  const provenanceRead = provenance ? runProvenance(env) : {}
  return {
    ...common,
    kek,
    givenNames: secretNames.given,
    freshNames: secretNames.fresh,
    secretNamesMayExist: secretNames.given.length > 0,
    algorithm,
    keySizeBits: Number(parseChoice('key-size', input('key-size'), ['128', '192', '256'] as const, '256')) as 128 | 192 | 256,
    keyFile,
    keyOutput,
    osType,
    tags,
    createdBy: provenanceRead.createdBy,
    createdByWarning: provenanceRead.warning,
    ifExists,
    verify: parseBoolean('verify', input('verify')),
    arm: parseArm(input('subscription-id'), input('key-vault')),
    location: parseLocation(input('location')),
    dryRun: parseBoolean('dry-run', input('dry-run'))
  }
}

function parseSecretNames(value: string, countText: string, keyFile: KeyFile | undefined): { given: string[]; fresh: number } {
  const names = parseNameLines(value)
  const count = parseInteger('count', countText, 1, MAX_COUNT, 1)
  if (names.length > 0 && count > 1) {
    const given = names.length === 1 ? 'secret-name is set too' : `secret-name has ${names.length} lines`
    throw new InputError(
      'count',
      `is ${count} and ${given}: give either count (generated names) or secret-name (one name per line), not both`
    )
  }
  if (keyFile && Math.max(names.length, count) > 1) {
    throw new InputError('key-file', 'wraps one file into one secret; it cannot be combined with count or several secret names')
  }
  if (names.length > 0) return { given: names, fresh: 0 }
  if (keyFile?.bek) return { given: [keyFile.bek.protectorId], fresh: 0 }
  return { given: [], fresh: count }
}

/** The secrets' names: those given, or fresh upper-case GUIDs, as ADE names the secrets it creates. */
export function nameSecrets(checked: CheckedSettings): Settings {
  if (checked.givenNames.length > 0) return { ...checked, secretNames: checked.givenNames }
  const { randomUUID } = process.getBuiltinModule('node:crypto')
  return { ...checked, secretNames: Array.from({ length: checked.freshNames }, () => randomUUID().toUpperCase()) }
}

function parseKeyFile(path: string, keySize: string, algorithm: WrapAlgorithm, osType: OsType): KeyFile | undefined {
  const file = path.trim()
  if (!file) return undefined
  if (keySize.trim()) throw new InputError('key-size', 'applies to generated keys only; remove it when key-file is given')
  const limit = maxPlaintextBytes(algorithm, 4096)
  let bytes: Buffer
  try {
    bytes = readKeyFile(resolve(file), limit)
  } catch (error) {
    if (!(error instanceof KeyFileError)) throw error
    const sized = /^it has \d+ bytes$/.test(error.message) ? `; with ${algorithm} even a 4096-bit KEK wraps 1 to ${limit} bytes` : ''
    throw new InputError('key-file', `cannot read '${untrusted(file)}': ${error.message}${sized}`)
  }
  if (osType === 'linux') return { path: file, bytes }
  try {
    return { path: file, bytes, bek: parseBekFile(bytes) }
  } catch (error) {
    bytes.fill(0)
    if (!(error instanceof BekFormatError)) throw error
    throw new InputError(
      'key-file',
      `'${untrusted(file)}' is not a BitLocker startup key (.BEK) file: ${error.message}. With os-type windows, give the <GUID>.BEK file BitLocker wrote (manage-bde -protectors -add C: -StartupKey <folder>); for a Linux passphrase or key file set os-type: linux`
    )
  }
}

function parseTags(value: string, provenance: boolean): Array<[string, string]> {
  const tags: Array<[string, string]> = []
  for (const line of inputLines(value)) {
    const at = line.indexOf('=')
    const name = line.slice(0, at).trim()
    const tagValue = line.slice(at + 1).trim()
    if (at < 0 || !name) throw new InputError('tags', `'${line}' is not a tag: one name=value a line`)
    if (ADE_TAG_NAMES.some((ade) => ade.toLowerCase() === name.toLowerCase())) {
      throw new InputError('tags', `'${name}' is set by this action for Azure Disk Encryption and cannot be overridden`)
    }
    if (provenance && name.toLowerCase() === TAG_CREATED_BY.toLowerCase()) {
      throw new InputError(
        'tags',
        `'${name}' is set by this action to the run that made the secret; set provenance: false to give your own`
      )
    }
    if (name.length > TAG_TEXT_MAX || tagValue.length > TAG_TEXT_MAX) {
      throw new InputError('tags', `'${name}': tag names and values are at most ${TAG_TEXT_MAX} characters`)
    }
    if (tags.some(([other]) => other.toLowerCase() === name.toLowerCase())) throw new InputError('tags', `'${name}' is given twice`)
    tags.push([name, tagValue])
  }
  const reserved = ADE_TAG_NAMES.length + (provenance ? 1 : 0)
  const allowed = MAX_TAGS - reserved
  if (tags.length > allowed) {
    const taken = provenance ? `the ADE tags and ${TAG_CREATED_BY} take ${reserved}` : `the ADE tags take ${reserved}`
    throw new InputError(
      'tags',
      `${tags.length} tags given; Key Vault allows ${MAX_TAGS} per secret and ${taken}, so at most ${allowed}${provenance ? ' (12 with provenance: false)' : ''}`
    )
  }
  return tags
}
