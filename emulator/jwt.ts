// Minimal RS256 JWT support: the GitHub and Entra stand-ins sign, Entra and Key Vault verify.
import { generateKeyPair, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'

const generateKeyPairAsync = promisify(generateKeyPair)

export interface SigningKey {
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
}

export type JwtClaims = Record<string, unknown>

export interface DecodedJwt {
  header: Record<string, unknown>
  payload: JwtClaims
  signingInput: string
  signature: Buffer
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 })
  return { kid: randomBytes(20).toString('hex').toUpperCase(), privateKey, publicKey }
}

export function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

export function signJwt(key: SigningKey, payload: JwtClaims, header: Record<string, unknown> = {}): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key.kid, ...header }))
  const body = b64url(JSON.stringify(payload))
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey)
  return `${head}.${body}.${b64url(signature)}`
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown
    if (!isObject(header) || !isObject(payload)) return undefined
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') }
  } catch {
    return undefined
  }
}

export function verifyJwtSignature(jwt: DecodedJwt, key: SigningKey): boolean {
  if (jwt.header['alg'] !== 'RS256') return false
  return verify('sha256', Buffer.from(jwt.signingInput), key.publicKey, jwt.signature)
}

export function publicJwk(key: SigningKey): Record<string, unknown> {
  const jwk = key.publicKey.export({ format: 'jwk' })
  return { kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, n: jwk.n, e: jwk.e }
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
