/**
 * A stand-in for what Azure Disk Encryption does with a disk's encryption settings at boot: read
 * the secret version `secretUrl` names, check that it is a KEK-wrapped BEK whose KEK is `keyUrl`,
 * have Key Vault unwrap it with the algorithm its tag names, and write the bytes to a scratch
 * "BEK volume" under the file name its tag gives: the file LUKS (`LinuxPassPhraseFileName`) or
 * BitLocker (`<GUID>.BEK`) is then opened with.
 *
 * It knows the platform's rules, not the action's code (nothing here imports src/), and it is an
 * ordinary client of the stand-ins: an app registration of its own, a token from the Entra
 * stand-in after Key Vault's 401 challenge, HTTPS through the proxy with the test CA.
 */
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { proxyClient, type HttpResult } from './http-client.ts'
import type { LocalAzure } from './index.ts'

export const ADE_CONTENT_TYPE = 'Wrapped BEK'
export const ADE_TAGS = {
  fileName: 'DiskEncryptionKeyFileName',
  algorithm: 'DiskEncryptionKeyEncryptionAlgorithm',
  kekUrl: 'DiskEncryptionKeyEncryptionKeyURL'
} as const
export const LINUX_KEY_FILE_NAME = 'LinuxPassPhraseFileName'
/** The federated subject the platform identity signs in with (the GitHub stand-in mints it). */
export const ADE_SUBJECT = 'azure-disk-encryption-stand-in'

const API_VERSION = '7.4'
const ALGORITHMS = ['RSA-OAEP', 'RSA-OAEP-256', 'RSA1_5']
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const WINDOWS_KEY_FILE = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\.BEK$/i
const VERSIONED_SECRET = /^\/secrets\/[0-9a-zA-Z-]{1,127}\/[0-9a-fA-F]{32}\/?$/
const VERSIONED_KEY = /^\/keys\/[0-9a-zA-Z-]{1,127}\/[0-9a-zA-Z]{32}\/?$/

/** A disk's `encryptionSettingsCollection.encryptionSettings[]` entry, the URLs only. */
export interface EncryptionSettings {
  /** diskEncryptionKey.secretUrl: the action's `secret-url` output. */
  readonly secretUrl: string
  /** keyEncryptionKey.keyUrl: the action's `kek-url` output. */
  readonly keyUrl: string
}

export interface BootOptions {
  /** The disk's OS: the file name must then be the one that OS's boot looks for. */
  readonly osType?: 'linux' | 'windows'
  /** Write into this folder (it must exist) instead of a new scratch BEK volume. */
  readonly volume?: string
}

export interface BekVolumeFile {
  /** The scratch BEK volume folder (removed by Ade.close() unless it was given). */
  readonly volume: string
  /** volume/fileName: the key file, mode 0600. */
  readonly path: string
  /** From the DiskEncryptionKeyFileName tag. */
  readonly fileName: string
  /** From the DiskEncryptionKeyEncryptionAlgorithm tag. */
  readonly algorithm: string
}

export type AdeRefusalReason = 'secret-url' | 'key-url' | 'read' | 'content-type' | 'tags' | 'file-name' | 'unwrap'

/** What the boot would fail with; `reason` says which check refused. */
export class AdeRefusal extends Error {
  readonly reason: AdeRefusalReason
  constructor(reason: AdeRefusalReason, message: string) {
    super(`ADE stand-in refused: ${message}`)
    this.name = 'AdeRefusal'
    this.reason = reason
  }
}

export interface Ade {
  /** The platform identity's app registration. */
  readonly clientId: string
  readonly objectId: string
  /** Lets the platform identity read secrets and unwrap keys in a vault (what enabledForDiskEncryption grants ADE). */
  allowVault(vault: string): void
  /** Does what the platform does with these settings at boot; throws AdeRefusal when it would not boot. */
  boot(settings: EncryptionSettings, options?: BootOptions): Promise<BekVolumeFile>
  /** Removes the scratch BEK volumes and closes the connections. */
  close(): Promise<void>
}

/** An ADE stand-in signed in to `azure`, allowed into `vaults`. */
export function startAde(azure: LocalAzure, options: { vaults?: readonly string[] } = {}): Ade {
  const app = azure.entra.registerApp({
    federatedCredentials: [{ issuer: azure.github.issuer, subject: ADE_SUBJECT, audiences: ['api://AzureADTokenExchange'] }]
  })
  const http = proxyClient(azure.proxyUrl, azure.caPath)
  const volumes: string[] = []
  /** Access tokens by "authority resource", from the challenge of each vault host. */
  const tokens = new Map<string, string>()
  const challenges = new Map<string, { authority: string; resource: string }>()

  const allowVault = (vault: string): void => {
    azure.keyVault.grant(vault, app.objectId, 'Key Vault Secrets User')
    azure.keyVault.grant(vault, app.objectId, 'Key Vault Crypto Service Encryption User')
  }
  for (const vault of options.vaults ?? []) allowVault(vault)

  const token = async (challenge: { authority: string; resource: string }): Promise<string> => {
    const cacheKey = `${challenge.authority} ${challenge.resource}`
    const cached = tokens.get(cacheKey)
    if (cached) return cached
    const res = await http.request('POST', `${challenge.authority}/oauth2/v2.0/token`, {
      form: {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        scope: `${challenge.resource}/.default`,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: azure.github.mint({ sub: ADE_SUBJECT })
      }
    })
    const accessToken = res.json?.access_token
    if (res.status !== 200 || typeof accessToken !== 'string')
      throw new Error(`ADE stand-in: token request failed: ${res.status} ${res.text}`)
    tokens.set(cacheKey, accessToken)
    return accessToken
  }

  /** A Key Vault call the way SDK clients make it: unauthenticated first, then with the token the challenge asks for. */
  const vaultCall = async (method: string, url: string, body?: unknown): Promise<HttpResult> => {
    const host = new URL(url).host.toLowerCase()
    const send = (bearer?: string) =>
      http.request(method, `${url}?api-version=${API_VERSION}`, {
        ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}),
        ...(body !== undefined ? { body } : method === 'POST' ? { body: {} } : {})
      })
    const known = challenges.get(host)
    let res = await send(known ? await token(known) : undefined)
    if (res.status === 401) {
      const challenge = parseChallenge(res.headers['www-authenticate'])
      if (!challenge) return res
      challenges.set(host, challenge)
      tokens.delete(`${challenge.authority} ${challenge.resource}`)
      res = await send(await token(challenge))
    }
    return res
  }

  const boot = async (settings: EncryptionSettings, bootOptions: BootOptions = {}): Promise<BekVolumeFile> => {
    const secretUrl = vaultObjectUrl(settings.secretUrl, VERSIONED_SECRET, 'secret-url', 'a versioned secret URL')
    const keyUrl = vaultObjectUrl(settings.keyUrl, VERSIONED_KEY, 'key-url', 'a versioned key URL')

    const secret = await vaultCall('GET', secretUrl)
    if (secret.status !== 200) throw new AdeRefusal('read', `reading ${settings.secretUrl} answered ${secret.status}: ${secret.text}`)
    const { value, contentType, tags } = (secret.json ?? {}) as { value?: unknown; contentType?: unknown; tags?: Record<string, unknown> }
    if (contentType !== ADE_CONTENT_TYPE) {
      throw new AdeRefusal('content-type', `the secret's content type is ${JSON.stringify(contentType)}, not '${ADE_CONTENT_TYPE}'`)
    }
    if (typeof value !== 'string' || value === '') throw new AdeRefusal('read', 'the secret has no value')
    const tag = (name: string): string => {
      const v = tags?.[name]
      if (typeof v !== 'string' || v === '') throw new AdeRefusal('tags', `the secret has no ${name} tag`)
      return v
    }
    const fileName = tag(ADE_TAGS.fileName)
    const algorithm = tag(ADE_TAGS.algorithm)
    const tagKekUrl = tag(ADE_TAGS.kekUrl)
    if (!ALGORITHMS.includes(algorithm)) throw new AdeRefusal('tags', `${ADE_TAGS.algorithm} is ${JSON.stringify(algorithm)}`)
    const kekUrl = vaultObjectUrl(tagKekUrl, VERSIONED_KEY, 'tags', `a versioned key URL in ${ADE_TAGS.kekUrl}`)
    if (kekUrl.toLowerCase() !== keyUrl.toLowerCase()) {
      throw new AdeRefusal('key-url', `keyUrl ${settings.keyUrl} is not the secret's ${ADE_TAGS.kekUrl} ${tagKekUrl}`)
    }
    checkFileName(fileName, bootOptions.osType)

    const unwrapped = await vaultCall('POST', `${kekUrl}/unwrapkey`, { alg: algorithm, value })
    const plain = unwrapped.json?.value
    if (unwrapped.status !== 200 || typeof plain !== 'string') {
      throw new AdeRefusal('unwrap', `unwrapkey on ${tagKekUrl} answered ${unwrapped.status}: ${unwrapped.text}`)
    }
    const volume = bootOptions.volume ?? (await mkdtemp(join(tmpdir(), 'bek-volume-')))
    if (!bootOptions.volume) volumes.push(volume)
    const path = join(volume, fileName)
    const bytes = Buffer.from(plain, 'base64url')
    try {
      const file = await open(path, 'wx', 0o600)
      try {
        await file.writeFile(bytes)
      } finally {
        await file.close()
      }
    } finally {
      bytes.fill(0)
    }
    return { volume, path, fileName, algorithm }
  }

  return {
    clientId: app.clientId,
    objectId: app.objectId,
    allowVault,
    boot,
    close: async () => {
      http.close()
      await Promise.all(volumes.splice(0).map((v) => rm(v, { recursive: true, force: true })))
    }
  }
}

/** `https://<vault host>/secrets|keys/<name>/<version>` without port or trailing slash, or a refusal. */
function vaultObjectUrl(text: string, path: RegExp, reason: AdeRefusalReason, what: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new AdeRefusal(reason, `${JSON.stringify(text)} is not ${what}`)
  }
  // ADE takes no port, not even :443, which URL would hide.
  if (url.protocol !== 'https:' || /^https:\/\/[^/]*:/i.test(text) || url.search || url.hash || !path.test(url.pathname)) {
    throw new AdeRefusal(reason, `${JSON.stringify(text)} is not ${what}`)
  }
  return `https://${url.host}${url.pathname.replace(/\/$/, '')}`
}

/** The BEK volume is flat, and each OS's boot looks for one name. */
function checkFileName(fileName: string, osType: BootOptions['osType']): void {
  if (!/^[^/\\\0]+$/.test(fileName) || fileName === '.' || fileName === '..') {
    throw new AdeRefusal('file-name', `${ADE_TAGS.fileName} ${JSON.stringify(fileName)} is not a file name`)
  }
  if (osType === 'linux' && fileName !== LINUX_KEY_FILE_NAME) {
    throw new AdeRefusal('file-name', `${ADE_TAGS.fileName} is ${JSON.stringify(fileName)}; Linux boots look for ${LINUX_KEY_FILE_NAME}`)
  }
  if (osType === 'windows' && !WINDOWS_KEY_FILE.test(fileName)) {
    throw new AdeRefusal('file-name', `${ADE_TAGS.fileName} is ${JSON.stringify(fileName)}; Windows boots look for <GUID>.BEK`)
  }
}

/** `Bearer authorization="https://<authority>/<tenant>", resource="https://vault..."` (or scope=). */
function parseChallenge(header: string | string[] | undefined): { authority: string; resource: string } | undefined {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '')
  const param = (name: string) => new RegExp(`${name}="([^"]+)"`, 'i').exec(text)?.[1]
  const authority = param('authorization') ?? param('authorization_uri')
  const resource = param('resource') ?? param('scope')?.replace(/\/\.default$/, '')
  return authority && resource ? { authority: authority.replace(/\/$/, ''), resource: resource.replace(/\/$/, '') } : undefined
}
