/**
 * Reads every input into one typed, validated Settings object before anything touches the
 * network. A bad input throws an InputError that names the input, the problem and the form
 * that is allowed.
 */
import { resolve } from 'node:path'
import { actionInput } from '../../runner/action-input.ts'
import { type Cloud, CLOUD_NAMES, cloudOfHost, findCloud } from '../../net/clouds.ts'
import { BekFormatError, type BekFile, parseBekFile } from '../../ade/bek-file.ts'
import { type KeyOutputTarget, parseKeyOutputFile } from '../../handoff/target.ts'
import { KeyFileError, readKeyFile } from './key-file.ts'
import { OS_TYPES, type OsType } from '../../ade/os-type.ts'
import { runProvenance } from '../../ade/provenance.ts'
import { checkProxyEnvironment } from '../../net/proxy-environment.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { ADE_TAG_NAMES, MAX_TAGS, TAG_CREATED_BY } from '../../ade/tags.ts'
import { isResourceIdLike, parseVaultResourceId, vaultResourcePath } from '../../arm/vault-resource-id.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm, maxPlaintextBytes } from '../../ade/wrap-algorithms.ts'

export type IfExists = 'fail' | 'reuse' | 'new-version'

export interface VaultRef {
  readonly name: string
  /** `https://<name>.<suffix>`, no trailing slash. */
  readonly url: string
}

export interface KekRef {
  readonly vault: VaultRef
  readonly name: string
  readonly version?: string
}

export interface KeyFile {
  readonly path: string
  /** The file's bytes, wrapped unchanged; zeroed once wrapped. */
  readonly bytes: Buffer
  /** Set when the file is a BitLocker startup key (always, with os-type windows). */
  readonly bek?: BekFile
}

export type Auth =
  | { readonly kind: 'oidc'; readonly clientId: string; readonly tenantId: string; readonly audience: string }
  | { readonly kind: 'environment' }

/** The inputs every action of this repository takes, with the same meaning and checks. */
export interface CommonSettings {
  readonly cloud: Cloud
  readonly vault: VaultRef
  readonly auth: Auth
  readonly maxParallel: number
  /** The whole step's deadline. */
  readonly timeoutSeconds: number
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

export interface ArmSettings {
  readonly subscriptionId: string
  /** key-vault's resource ID, when it was given as one. */
  readonly vaultId?: string
}

export class InputError extends Error {
  readonly input: string
  constructor(input: string, problem: string) {
    super(`Input '${input}': ${problem}`)
    this.input = input
  }
}

export const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange'
export const MAX_COUNT = 1000
export const DEFAULT_MAX_PARALLEL = 16
const MAX_PARALLEL = 64
const NAME_RULE = '1-127 characters of 0-9, a-z, A-Z and -'
const NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/
const VERSION_PATTERN = /^[0-9a-fA-F]{32}$/
const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const TENANT_DOMAIN_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+$/
/** Vault names: 3-24 characters, a letter first, a letter or digit last, no `--`. */
const VAULT_NAME_PATTERN = /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/
const TAG_TEXT_MAX = 256

/** Reads the inputs the way the runner passes them (`INPUT_<NAME>` variables), and the run they are for. */
export function getSettings(input: (name: string) => string = actionInput, env: NodeJS.ProcessEnv = process.env): Settings {
  return nameSecrets(checkSettings(input, env))
}

/** Every input checked, as getSettings does, short of generating fresh secret names. */
export function checkSettings(input: (name: string) => string = actionInput, env: NodeJS.ProcessEnv = process.env): CheckedSettings {
  checkProxyEnvironment(env)
  const common = getCommonSettings(input)
  const { cloud, vault } = common
  const kek = parseKek(input('kek-name'), input('kek-version'), input('kek-url'), vault, cloud)
  const algorithm = parseChoice('algorithm', input('algorithm'), WRAP_ALGORITHMS, 'RSA-OAEP')
  const osType = parseChoice('os-type', input('os-type'), OS_TYPES, 'windows')
  const keyFile = parseKeyFile(input('key-file'), input('key-size'), algorithm, osType)
  const secretNames = parseSecretNames(input('secret-name'), input('count'), keyFile)
  const provenance = parseChoice('provenance', input('provenance'), ['true', 'false'] as const, 'true') === 'true'
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

/** ARM is used only when asked for: a subscription, or the vault given as a resource ID. */
function parseArm(subscription: string, keyVault: string): ArmSettings | undefined {
  const text = subscription.trim()
  if (text && !GUID_PATTERN.test(text)) throw new InputError('subscription-id', `'${text}' is not a subscription ID (a GUID)`)
  const id = parseVaultResourceId(keyVault.trim())
  if (id && text && id.subscriptionId !== text.toLowerCase()) {
    throw new InputError('subscription-id', `is ${text}, but key-vault is a vault in subscription ${id.subscriptionId}; give one of them`)
  }
  if (id) return { subscriptionId: id.subscriptionId, vaultId: vaultResourcePath(id) }
  return text ? { subscriptionId: text.toLowerCase() } : undefined
}

function parseLocation(value: string): string | undefined {
  const text = value.trim()
  if (!text) return undefined
  if (!/^[a-zA-Z0-9 ]{2,64}$/.test(text)) throw new InputError('location', `'${text}' is not an Azure region name (eastus, West Europe…)`)
  return text
}

/** key-vault, environment, sign-in and max-parallel: what every action here reads first. */
export function getCommonSettings(input: (name: string) => string = actionInput): CommonSettings {
  const cloud = parseCloud(input('environment'))
  return {
    cloud,
    vault: parseVault(input('key-vault'), cloud),
    auth: parseAuth(input('client-id'), input('tenant-id'), input('audience')),
    maxParallel: parseInteger('max-parallel', input('max-parallel'), 1, MAX_PARALLEL, DEFAULT_MAX_PARALLEL),
    timeoutSeconds: parseInteger('timeout-seconds', input('timeout-seconds'), 10, 3600, 300)
  }
}

function parseCloud(value: string): Cloud {
  const cloud = findCloud(value.trim() || 'AzureCloud')
  if (!cloud) throw new InputError('environment', `'${value}' is not a known cloud; use one of ${CLOUD_NAMES.join(', ')}`)
  return cloud
}

function parseVault(value: string, cloud: Cloud): VaultRef {
  const text = value.trim()
  if (!text) throw new InputError('key-vault', `is required: a vault name (my-vault) or URL (https://my-vault.${cloud.vaultSuffix}/)`)
  if (!text.includes('/') && !text.includes('.')) return vaultRef('key-vault', text, cloud)
  if (isResourceIdLike(text)) {
    const id = parseVaultResourceId(text)
    if (!id) {
      throw new InputError(
        'key-vault',
        `'${text}' is not a vault resource ID: /subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`
      )
    }
    return vaultRef('key-vault', id.name, cloud)
  }
  const url = parseHttpsUrl('key-vault', text, () => {
    const name = /^[a-z][a-z0-9-]*(?=\.)/i.exec(text)?.[0] ?? 'my-vault'
    return `give just the vault name (${name}) or its URL (https://${name}.${cloud.vaultSuffix}/)`
  })
  if (url.port) throw new InputError('key-vault', `'${text}' has a port; give the vault URL without one`)
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new InputError('key-vault', `'${text}' has a path or query; give only the vault, https://<name>.${cloud.vaultSuffix}/`)
  }
  return vaultRef('key-vault', vaultNameOfHost('key-vault', url.hostname, cloud), cloud)
}

export function parseKek(name: string, version: string, url: string, vault: VaultRef, cloud: Cloud): KekRef {
  const [kekName, kekVersion, kekUrl] = [name.trim(), version.trim(), url.trim()]
  if (kekUrl) {
    if (kekName || kekVersion) {
      throw new InputError('kek-url', 'give either kek-url, or kek-name (with an optional kek-version), not both')
    }
    return parseKekUrl(kekUrl, cloud)
  }
  if (!kekName) throw new InputError('kek-name', 'one of kek-name or kek-url is required')
  if (!NAME_PATTERN.test(kekName)) throw new InputError('kek-name', `'${kekName}' is not a key name: ${NAME_RULE}`)
  if (kekVersion && !VERSION_PATTERN.test(kekVersion)) {
    throw new InputError('kek-version', `'${kekVersion}' is not a key version: 32 hexadecimal characters`)
  }
  return { vault, name: kekName, version: kekVersion ? kekVersion.toLowerCase() : undefined }
}

/** A key identifier, `https://<vault>.<suffix>/keys/<name>[/<version>]`, versioned or not. */
export function parseKekUrl(text: string, cloud: Cloud, input = 'kek-url'): KekRef {
  const url = parseHttpsUrl(input, text, () => `give https://<vault>.${cloud.vaultSuffix}/keys/<name>[/<version>]`)
  // Some kids carry the default port; ADE refuses URLs with a port, so drop it.
  if (url.port && url.port !== '443') throw new InputError(input, `'${text}' has port ${url.port}; Key Vault URLs have none`)
  if (url.search || url.hash) throw new InputError(input, `'${text}' has a query or fragment`)
  const vault = vaultRef(input, vaultNameOfHost(input, url.hostname, cloud), cloud)
  const match = /^\/keys\/([^/]+)(?:\/([^/]+))?\/?$/i.exec(url.pathname)
  const [, name = '', version] = match ?? []
  if (!match || !NAME_PATTERN.test(name) || (version !== undefined && !VERSION_PATTERN.test(version))) {
    throw new InputError(input, `'${text}' is not a key identifier: https://<vault>.${cloud.vaultSuffix}/keys/<name>[/<32-hex version>]`)
  }
  return { vault, name, version: version?.toLowerCase() }
}

/** `expected` says what to give instead, for the input at hand. */
function parseHttpsUrl(input: string, text: string, expected: () => string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new InputError(input, `'${text}' is not a URL; ${expected()}`)
  }
  if (url.protocol !== 'https:') throw new InputError(input, `'${text}' must use https`)
  if (url.username || url.password) throw new InputError(input, `'${text}' must not carry user information`)
  return url
}

/**
 * The vault name of a host, which must be exactly `<name>.<vault suffix of the cloud>`: this
 * is what keeps an access token from ever being sent to a host that is not Key Vault.
 */
function vaultNameOfHost(input: string, host: string, cloud: Cloud): string {
  const suffix = `.${cloud.vaultSuffix}`
  if (!host.endsWith(suffix)) {
    const other = cloudOfHost(host)
    if (other?.managedHsm) {
      throw new InputError(
        input,
        `'${host}' is a Managed HSM; Azure Disk Encryption can only use keys and secrets in a key vault (*${suffix})`
      )
    }
    if (other) {
      throw new InputError(
        input,
        `'${host}' is a vault in ${other.cloud.name}, but environment is ${cloud.name}; set environment: ${other.cloud.name}`
      )
    }
    throw new InputError(input, `'${host}' is not a Key Vault host of ${cloud.name} (*${suffix})`)
  }
  return host.slice(0, -suffix.length)
}

function vaultRef(input: string, name: string, cloud: Cloud): VaultRef {
  if (!VAULT_NAME_PATTERN.test(name)) {
    throw new InputError(
      input,
      `'${name}' is not a vault name: 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no '--'`
    )
  }
  const lower = name.toLowerCase()
  return { name: lower, url: `https://${lower}.${cloud.vaultSuffix}` }
}

/** secret-name lines: each a valid name, none twice. */
export function parseNameLines(value: string): string[] {
  const names = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
  for (const name of names) {
    if (!NAME_PATTERN.test(name)) throw new InputError('secret-name', `'${name}' is not a secret name: ${NAME_RULE}`)
  }
  const duplicate = names.find((name, i) => names.findIndex((other) => other.toLowerCase() === name.toLowerCase()) !== i)
  if (duplicate) throw new InputError('secret-name', `'${duplicate}' is listed twice (names are case-insensitive)`)
  return names
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
  for (const line of value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
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

function parseAuth(clientId: string, tenantId: string, audience: string): Auth {
  const [client, tenant, aud] = [clientId.trim(), tenantId.trim(), audience.trim() || DEFAULT_AUDIENCE]
  if (!client && !tenant) return { kind: 'environment' }
  if (!client)
    throw new InputError(
      'client-id',
      'is required with tenant-id: the application (client) ID of the app or managed identity with the federated credential'
    )
  if (!tenant) throw new InputError('tenant-id', 'is required with client-id: the directory (tenant) ID')
  if (!GUID_PATTERN.test(client)) throw new InputError('client-id', `'${client}' is not an application (client) ID, which is a GUID`)
  if (!GUID_PATTERN.test(tenant) && !TENANT_DOMAIN_PATTERN.test(tenant)) {
    throw new InputError('tenant-id', `'${tenant}' is not a tenant ID (a GUID) or domain (contoso.onmicrosoft.com)`)
  }
  return { kind: 'oidc', clientId: client, tenantId: tenant, audience: aud }
}

export function parseChoice<T extends string>(input: string, value: string, allowed: readonly T[], fallback: T): T {
  const text = value.trim()
  if (!text) return fallback
  const match = allowed.find((choice) => choice.toLowerCase() === text.toLowerCase())
  if (!match) throw new InputError(input, `'${text}' is not allowed; use one of ${allowed.join(', ')}`)
  return match
}

export function parseBoolean(input: string, value: string): boolean {
  return parseChoice(input, value, ['true', 'false'] as const, 'false') === 'true'
}

function parseInteger(input: string, value: string, min: number, max: number, fallback: number): number {
  const text = value.trim()
  if (!text) return fallback
  const number = /^\d+$/.test(text) ? Number(text) : NaN
  if (!(number >= min && number <= max)) throw new InputError(input, `'${text}' is not a whole number from ${min} to ${max}`)
  return number
}
