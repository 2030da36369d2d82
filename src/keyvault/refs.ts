/**
 * Vaults and keys as the inputs name them: a vault by name, URL or resource ID, a key by name
 * (and version) or identifier. Each host is checked against the cloud's vault suffix, which is
 * what keeps an access token from ever being sent to a host that is not Key Vault.
 */
import { isResourceIdLike, parseVaultResourceId } from '../arm/vault-resource-id.ts'
import { type Cloud, cloudOfHost } from '../net/clouds.ts'
import { InputError, inputLines, parseHttpsUrl } from '../runner/inputs.ts'

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

const NAME_RULE = '1-127 characters of 0-9, a-z, A-Z and -'
const NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/
const VERSION_PATTERN = /^[0-9a-fA-F]{32}$/
/** Vault names: 3-24 characters, a letter first, a letter or digit last, no `--`. */
const VAULT_NAME_PATTERN = /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/

/** A vault input: a name (my-vault), its URL, or its resource ID. */
export function parseVault(input: string, value: string, cloud: Cloud): VaultRef {
  const text = value.trim()
  if (!text) throw new InputError(input, `is required: a vault name (my-vault) or URL (https://my-vault.${cloud.vaultSuffix}/)`)
  if (!text.includes('/') && !text.includes('.')) return vaultRef(input, text, cloud)
  if (isResourceIdLike(text)) {
    const id = parseVaultResourceId(text)
    if (!id) {
      throw new InputError(
        input,
        `'${text}' is not a vault resource ID: /subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`
      )
    }
    return vaultRef(input, id.name, cloud)
  }
  const url = parseHttpsUrl(input, text, () => {
    const name = /^[a-z][a-z0-9-]*(?=\.)/i.exec(text)?.[0] ?? 'my-vault'
    return `give just the vault name (${name}) or its URL (https://${name}.${cloud.vaultSuffix}/)`
  })
  if (url.port) throw new InputError(input, `'${text}' has a port; give the vault URL without one`)
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new InputError(input, `'${text}' has a path or query; give only the vault, https://<name>.${cloud.vaultSuffix}/`)
  }
  return vaultRef(input, vaultNameOfHost(input, url.hostname, cloud), cloud)
}

/** kek-name with kek-version, or kek-url; a name alone is a key in `vault`. */
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

/** The vault name of a host, which must be exactly `<name>.<vault suffix of the cloud>`. */
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
export function parseNameLines(value: string, input = 'secret-name'): string[] {
  const names = inputLines(value)
  for (const name of names) {
    if (!NAME_PATTERN.test(name)) throw new InputError(input, `'${name}' is not a secret name: ${NAME_RULE}`)
  }
  const duplicate = names.find((name, i) => names.findIndex((other) => other.toLowerCase() === name.toLowerCase()) !== i)
  if (duplicate) throw new InputError(input, `'${duplicate}' is listed twice (names are case-insensitive)`)
  return names
}

/**
 * A versioned key or secret URL that an answer or a tag gave, in a vault of `cloud`, normalised
 * (lower-case host and version, no default port); undefined for anything else, which is then
 * never sent a token and which ADE could not use.
 */
export function parseVersionedUrl(
  text: string,
  cloud: Cloud,
  kind: 'keys' | 'secrets'
): { url: string; vaultUrl: string; name: string; version: string } | undefined {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    return undefined
  }
  const host = url.hostname.toLowerCase()
  const suffix = `.${cloud.vaultSuffix}`
  const vaultName = host.endsWith(suffix) ? host.slice(0, -suffix.length) : ''
  const match = new RegExp(`^/${kind}/([0-9a-zA-Z-]{1,127})/([0-9a-fA-F]{32})$`).exec(url.pathname.replace(/\/$/, ''))
  if (url.protocol !== 'https:' || (url.port && url.port !== '443') || url.search || !VAULT_NAME_PATTERN.test(vaultName) || !match) {
    return undefined
  }
  const [, name = '', version = ''] = match
  const vaultUrl = `https://${host}`
  return { url: `${vaultUrl}/${kind}/${name}/${version.toLowerCase()}`, vaultUrl, name, version: version.toLowerCase() }
}

/** A secret as a secret-url line names it: its vault, name and version (none: the latest). */
export interface SecretRef {
  readonly vault: VaultRef
  readonly name: string
  readonly version?: string
}

/** `https://<vault>.<suffix>/secrets/<name>[/<version>]`, on a vault host of the cloud (a Managed HSM is refused). */
export function parseSecretUrl(text: string, cloud: Cloud, input = 'secret-url'): SecretRef {
  const url = parseHttpsUrl(input, text, () => `give https://<vault>.${cloud.vaultSuffix}/secrets/<name>[/<version>]`)
  if (url.port && url.port !== '443') throw new InputError(input, `'${text}' has port ${url.port}; Key Vault URLs have none`)
  if (url.search || url.hash) throw new InputError(input, `'${text}' has a query or fragment`)
  const vault = vaultRef(input, vaultNameOfHost(input, url.hostname, cloud), cloud)
  const match = /^\/secrets\/([^/]+)(?:\/([^/]+))?\/?$/i.exec(url.pathname)
  const [, name = '', version] = match ?? []
  if (!match || !NAME_PATTERN.test(name) || (version !== undefined && !VERSION_PATTERN.test(version))) {
    throw new InputError(
      input,
      `'${text}' is not a secret identifier: https://<vault>.${cloud.vaultSuffix}/secrets/<name>[/<32-hex version>]`
    )
  }
  return { vault, name, version: version?.toLowerCase() }
}
