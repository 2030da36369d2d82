// Key operations: read/list/create/import, and the RSA crypto operations (wrap/unwrap/encrypt/decrypt)
// with Key Vault's checks on enabled state, permitted key_ops and the key's validity period.
import { constants, privateDecrypt, publicEncrypt } from 'node:crypto'
import type { ServiceResponse } from '../http-types.ts'
import { badParameter, keyNotFound, kvError, kvOk } from './errors.ts'
import { pageOf } from './paging.ts'
import {
  ALL_KEY_OPS,
  attributesJson,
  currentKey,
  generateKeyMaterial,
  importJwk,
  isHsm,
  isRsa,
  newVersionId,
  nowSeconds,
  publicJwkOf,
  vaultUrl,
  type KeyEntry,
  type KeyType,
  type KeyVersion,
  type Vault
} from './vault-store.ts'

export interface KeyContext {
  vault: Vault
  name: string
  version?: string
  body: Record<string, unknown>
  query: URLSearchParams
}

export type CryptoOp = 'wrapKey' | 'unwrapKey' | 'encrypt' | 'decrypt'

export function keyId(vault: Vault, entry: KeyEntry, kv?: KeyVersion): string {
  return `${vaultUrl(vault)}/keys/${entry.name}${kv ? `/${kv.version}` : ''}`
}

function attributesOf(vault: Vault, kv: KeyVersion): Record<string, unknown> {
  return { ...attributesJson(vault, kv.attributes), exportable: false }
}

export function keyBundle(vault: Vault, entry: KeyEntry, kv: KeyVersion): Record<string, unknown> {
  return {
    key: { kid: keyId(vault, entry, kv), kty: kv.kty, key_ops: kv.keyOps, ...publicJwkOf(kv) },
    attributes: attributesOf(vault, kv),
    ...(kv.tags ? { tags: kv.tags } : {})
  }
}

export function findKey(vault: Vault, name: string, version?: string): { entry: KeyEntry; kv: KeyVersion } | undefined {
  const entry = vault.keys.get(name.toLowerCase())
  if (!entry || entry.deleted) return undefined
  const kv = version ? entry.versions.find((v) => v.version === version.toLowerCase()) : currentKey(entry)
  return kv ? { entry, kv } : undefined
}

export function getKey(ctx: KeyContext): ServiceResponse {
  const found = findKey(ctx.vault, ctx.name, ctx.version)
  if (!found) return keyNotFound(ctx.name, ctx.version)
  return kvOk(keyBundle(ctx.vault, found.entry, found.kv))
}

export function listKeyVersions(ctx: KeyContext, basePath: string): ServiceResponse {
  const entry = ctx.vault.keys.get(ctx.name.toLowerCase())
  if (!entry || entry.deleted) return keyNotFound(ctx.name)
  const items = entry.versions.map((kv) => ({
    kid: keyId(ctx.vault, entry, kv),
    attributes: attributesOf(ctx.vault, kv),
    ...(kv.tags ? { tags: kv.tags } : {})
  }))
  return pageOf(items, ctx.query, `${vaultUrl(ctx.vault)}:443${basePath}`)
}

export function listKeys(ctx: KeyContext, basePath: string): ServiceResponse {
  const items = [...ctx.vault.keys.values()]
    .filter((entry) => !entry.deleted)
    .map((entry) => {
      const kv = currentKey(entry)
      return { kid: keyId(ctx.vault, entry), attributes: attributesOf(ctx.vault, kv), ...(kv.tags ? { tags: kv.tags } : {}) }
    })
  return pageOf(items, ctx.query, `${vaultUrl(ctx.vault)}:443${basePath}`)
}

export interface NewKeyOptions {
  kty?: KeyType
  size?: number
  crv?: string
  keyOps?: string[]
  enabled?: boolean
  nbf?: number
  exp?: number
  tags?: Record<string, string>
}

/** Adds a new version (creating the key name if needed). Used by the REST API and by test set-up. */
export async function addKeyVersion(
  vault: Vault,
  name: string,
  opts: NewKeyOptions,
  material?: ReturnType<typeof importJwk>
): Promise<{ entry: KeyEntry; kv: KeyVersion }> {
  const kty = material?.kty ?? opts.kty ?? 'RSA'
  const generated = material ?? (await generateKeyMaterial(kty, opts.size, opts.crv))
  const now = nowSeconds()
  const kv: KeyVersion = {
    version: newVersionId(),
    kty,
    keyOps: opts.keyOps ?? [...ALL_KEY_OPS],
    ...(generated.keySize !== undefined ? { keySize: generated.keySize } : {}),
    ...(generated.crv !== undefined ? { crv: generated.crv } : {}),
    privateKey: generated.privateKey,
    attributes: {
      enabled: opts.enabled ?? true,
      ...(opts.nbf !== undefined ? { nbf: opts.nbf } : {}),
      ...(opts.exp !== undefined ? { exp: opts.exp } : {}),
      created: now,
      updated: now
    },
    ...(opts.tags ? { tags: opts.tags } : {})
  }
  let entry = vault.keys.get(name.toLowerCase())
  if (!entry) {
    entry = { name, versions: [] }
    vault.keys.set(name.toLowerCase(), entry)
  }
  entry.versions.push(kv)
  return { entry, kv }
}

function parseAttributes(body: Record<string, unknown>): { enabled?: boolean; nbf?: number; exp?: number } | string {
  const a = body['attributes']
  if (a === undefined || a === null) return {}
  if (typeof a !== 'object') return 'attributes'
  const attrs = a as Record<string, unknown>
  const out: { enabled?: boolean; nbf?: number; exp?: number } = {}
  if (attrs['enabled'] !== undefined) {
    if (typeof attrs['enabled'] !== 'boolean') return 'attributes.enabled'
    out.enabled = attrs['enabled']
  }
  for (const f of ['nbf', 'exp'] as const) {
    if (attrs[f] !== undefined && attrs[f] !== null) {
      if (typeof attrs[f] !== 'number') return `attributes.${f}`
      out[f] = attrs[f]
    }
  }
  return out
}

export function parseTags(body: Record<string, unknown>): Record<string, string> | undefined | string {
  const t = body['tags']
  if (t === undefined || t === null) return undefined
  if (typeof t !== 'object' || Array.isArray(t)) return 'Tags must be an object of string values.'
  const entries = Object.entries(t as Record<string, unknown>)
  if (entries.length > 15) return 'The number of tags exceeds the maximum of 15.'
  for (const [k, v] of entries) {
    if (typeof v !== 'string') return `Tag '${k}' has an invalid value: tag values must be strings.`
    if (k.length > 256) return `Tag name '${k.slice(0, 32)}...' is too long: the maximum length is 256 characters.`
    if (v.length > 256) return `The value of tag '${k}' is too long: the maximum length is 256 characters.`
  }
  return Object.fromEntries(entries) as Record<string, string>
}

export async function createKey(ctx: KeyContext): Promise<ServiceResponse> {
  const b = ctx.body
  const kty = b['kty']
  if (typeof kty !== 'string' || !['RSA', 'RSA-HSM', 'EC', 'EC-HSM'].includes(kty))
    return badParameter('Property kty has invalid value\r\n')
  if (isHsm(kty) && ctx.vault.resource.sku !== 'premium') return hsmOnStandard()
  const size = b['key_size']
  if (isRsa(kty) && size !== undefined && ![2048, 3072, 4096].includes(Number(size))) {
    return badParameter(`The specified RSA key size (${String(size)}) is not supported. Supported sizes are 2048, 3072 and 4096.`)
  }
  const attrs = parseAttributes(b)
  if (typeof attrs === 'string') return badParameter(`Property ${attrs} has invalid value\r\n`)
  const tags = parseTags(b)
  if (typeof tags === 'string') return badParameter(tags)
  const keyOps = Array.isArray(b['key_ops']) ? (b['key_ops'] as unknown[]).map(String) : undefined
  try {
    const { entry, kv } = await addKeyVersion(ctx.vault, ctx.name, {
      kty: kty as KeyType,
      ...(size !== undefined ? { size: Number(size) } : {}),
      ...(typeof b['crv'] === 'string' ? { crv: b['crv'] } : {}),
      ...(keyOps ? { keyOps } : {}),
      ...attrs,
      ...(tags ? { tags } : {})
    })
    return kvOk(keyBundle(ctx.vault, entry, kv))
  } catch (err) {
    return badParameter(`Key creation failed: ${(err as Error).message}`)
  }
}

/** POST /keys/{name}/rotate: a new version like the current one (type, size, operations, tags). */
export async function rotateKey(ctx: KeyContext): Promise<ServiceResponse> {
  const found = findKey(ctx.vault, ctx.name)
  if (!found) return keyNotFound(ctx.name)
  const { kv: current } = found
  const { entry, kv } = await addKeyVersion(ctx.vault, found.entry.name, {
    kty: current.kty,
    ...(current.keySize !== undefined ? { size: current.keySize } : {}),
    ...(current.crv !== undefined ? { crv: current.crv } : {}),
    keyOps: [...current.keyOps],
    ...(current.tags ? { tags: { ...current.tags } } : {})
  })
  return kvOk(keyBundle(ctx.vault, entry, kv))
}

/** PATCH /keys/{name}[/{version}]: attributes, key_ops and tags of one version (the current one without a version). */
export function updateKey(ctx: KeyContext): ServiceResponse {
  const found = findKey(ctx.vault, ctx.name, ctx.version)
  if (!found) return keyNotFound(ctx.name, ctx.version)
  const attrs = parseAttributes(ctx.body)
  if (typeof attrs === 'string') return badParameter(`Property ${attrs} has invalid value\r\n`)
  const tags = parseTags(ctx.body)
  if (typeof tags === 'string') return badParameter(tags)
  const ops = ctx.body['key_ops']
  if (ops !== undefined && !Array.isArray(ops)) return badParameter('Property key_ops has invalid value\r\n')
  const { kv } = found
  Object.assign(kv.attributes, attrs, { updated: nowSeconds() })
  if (Array.isArray(ops)) kv.keyOps = ops.map(String)
  if (tags) kv.tags = tags
  return kvOk(keyBundle(ctx.vault, found.entry, kv))
}

export async function importKey(ctx: KeyContext): Promise<ServiceResponse> {
  const jwk = ctx.body['key']
  if (!jwk || typeof jwk !== 'object') return badParameter('Property key has invalid value\r\n')
  let material: ReturnType<typeof importJwk>
  try {
    material = importJwk(jwk as Record<string, unknown>)
  } catch (err) {
    return badParameter(`The key material is not valid: ${(err as Error).message}`)
  }
  if (ctx.body['Hsm'] === true && !material.kty.endsWith('-HSM')) material = { ...material, kty: `${material.kty}-HSM` as KeyType }
  if (isHsm(material.kty) && ctx.vault.resource.sku !== 'premium') return hsmOnStandard()
  const attrs = parseAttributes(ctx.body)
  if (typeof attrs === 'string') return badParameter(`Property ${attrs} has invalid value\r\n`)
  const tags = parseTags(ctx.body)
  if (typeof tags === 'string') return badParameter(tags)
  const ops = (jwk as Record<string, unknown>)['key_ops']
  const { entry, kv } = await addKeyVersion(
    ctx.vault,
    ctx.name,
    { ...(Array.isArray(ops) ? { keyOps: ops.map(String) } : {}), ...attrs, ...(tags ? { tags } : {}) },
    material
  )
  return kvOk(keyBundle(ctx.vault, entry, kv))
}

const RSA_ALGS: Record<string, { padding: number; oaepHash?: string; overhead: number }> = {
  'RSA-OAEP': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1', overhead: 42 },
  'RSA-OAEP-256': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', overhead: 66 },
  RSA1_5: { padding: constants.RSA_PKCS1_PADDING, overhead: 11 }
}

/** Accepts base64url (what the SDKs send) and, leniently, padded standard base64. */
function decodeValue(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return undefined
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
}

export function cryptoOp(ctx: KeyContext, op: CryptoOp): ServiceResponse {
  const found = findKey(ctx.vault, ctx.name, ctx.version)
  if (!found) return keyNotFound(ctx.name, ctx.version)
  const { entry, kv } = found
  if (!kv.attributes.enabled) return kvError(403, 'Forbidden', `Operation ${op} is not allowed on a disabled key.`)
  if (!kv.keyOps.includes(op)) return kvError(403, 'Forbidden', `Operation ${op} is not permitted on this key.`)
  const now = nowSeconds()
  // Like Key Vault: a key outside its validity period can still decrypt/unwrap old data.
  if (op === 'wrapKey' || op === 'encrypt') {
    if (kv.attributes.nbf !== undefined && now < kv.attributes.nbf) {
      return kvError(
        403,
        'Forbidden',
        `Operation ${op} is not allowed: the key is not yet valid (nbf ${new Date(kv.attributes.nbf * 1000).toISOString()}).`
      )
    }
    if (kv.attributes.exp !== undefined && now >= kv.attributes.exp) {
      return kvError(
        403,
        'Forbidden',
        `Operation ${op} is not allowed: the key expired at ${new Date(kv.attributes.exp * 1000).toISOString()}.`
      )
    }
  }
  const alg = ctx.body['alg']
  const value = ctx.body['value']
  if (typeof alg !== 'string') return badParameter('Property alg has invalid value\r\n')
  if (typeof value !== 'string') return badParameter('Property value has invalid value\r\n')
  const spec = RSA_ALGS[alg]
  if (!spec) {
    if (!isRsa(kv.kty)) return badParameter(`Algorithm ${alg} is not supported for key type ${kv.kty}.`)
    return badParameter(`Invalid algorithm: ${alg}. Key type ${kv.kty} supports RSA-OAEP, RSA-OAEP-256 and RSA1_5.`)
  }
  if (!isRsa(kv.kty)) return badParameter(`Key and algorithm are not compatible: key type ${kv.kty} does not support algorithm ${alg}.`)
  const data = decodeValue(value)
  if (!data) return badParameter('Property value has invalid value: it must be base64url encoded.\r\n')
  const modulusBytes = (kv.keySize ?? 2048) / 8
  const options = { key: kv.privateKey, padding: spec.padding, ...(spec.oaepHash ? { oaepHash: spec.oaepHash } : {}) }
  let result: Buffer
  if (op === 'wrapKey' || op === 'encrypt') {
    if (data.length > modulusBytes - spec.overhead) {
      return badParameter(
        `The value is too large: ${alg} with a ${kv.keySize}-bit key accepts at most ${modulusBytes - spec.overhead} bytes, got ${data.length}.`
      )
    }
    result = publicEncrypt(options, data)
  } else {
    if (data.length !== modulusBytes)
      return badParameter(`The ciphertext length (${data.length} bytes) does not match the key size (${modulusBytes} bytes).`)
    try {
      result = privateDecrypt(options, data)
    } catch {
      return badParameter('Decryption failed: the ciphertext is not valid for this key and algorithm.')
    }
  }
  return kvOk({ kid: keyId(ctx.vault, entry, kv), value: result.toString('base64url') })
}

/**
 * What a standard-tier vault answers to creating or importing an HSM-protected key (the message
 * as az keyvault key create --kty RSA-HSM prints it there: MicrosoftDocs/azure-docs#63888, #6551
 * of azure-sdk-for-net; the status and code are inferred, as for the other parameter refusals).
 */
function hsmOnStandard(): ServiceResponse {
  return badParameter('Hardware key operation not allowed on standard vault')
}
