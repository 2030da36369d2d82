/**
 * Plaintext key material only ever lives in Buffers, which can be zeroed; a JavaScript string
 * cannot be wiped and lingers until garbage collection. So the base64url text Key Vault
 * exchanges is encoded into and decoded from Buffers here, never through strings.
 */
import { randomFillSync } from 'node:crypto'

const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 'ascii')
const DECODE = new Int16Array(128).fill(-1)
ALPHABET.forEach((char, index) => (DECODE[char] = index))
// Key Vault sends base64url, but accept standard base64 as its examples do.
DECODE[0x2b] = 62
DECODE[0x2f] = 63

/** A fresh random key of `bits` bits in its own (unpooled) Buffer. */
export function generateKey(bits: number): Buffer {
  return randomFillSync(Buffer.alloc(bits / 8))
}

/** Writes `data` as unpadded base64url into a new Buffer. */
export function encodeBase64Url(data: Uint8Array): Buffer {
  const out = Buffer.alloc(Math.ceil((data.length * 4) / 3))
  let o = 0
  for (let i = 0; i < data.length; i += 3) {
    const n = (data[i] << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0)
    const chars = Math.min(4, data.length - i + 1)
    for (let c = 0; c < chars; c++) out[o++] = ALPHABET[(n >> (18 - 6 * c)) & 63]
  }
  return out
}

/** Decodes base64url (or base64) text held in bytes; padding is ignored. */
export function decodeBase64Url(text: Uint8Array): Buffer {
  let length = text.length
  while (length > 0 && text[length - 1] === 0x3d) length--
  const out = Buffer.alloc(Math.floor((length * 3) / 4))
  let bits = 0
  let value = 0
  let o = 0
  for (let i = 0; i < length; i++) {
    const digit = text[i] < 128 ? DECODE[text[i]] : -1
    if (digit < 0) throw new Error('the value is not base64url')
    value = ((value << 6) | digit) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (value >> bits) & 0xff
    }
  }
  return out
}

/**
 * The `{"alg": …, "value": <base64url of key>}` body of a wrapkey request, assembled as bytes
 * so the only copy of the encoded key is in a Buffer the caller zeroes.
 */
export function keyOperationBody(algorithm: string, key: Uint8Array): Buffer {
  const encoded = encodeBase64Url(key)
  try {
    return Buffer.concat([Buffer.from(`{"alg":${JSON.stringify(algorithm)},"value":"`), encoded, Buffer.from('"}')])
  } finally {
    encoded.fill(0)
  }
}

/** Finds the string field `name` in a flat JSON object held in bytes, and decodes it as base64url. */
export function decodeJsonBase64UrlField(json: Buffer, name: string): Buffer {
  const key = Buffer.from(`"${name}"`)
  let at = json.indexOf(key)
  if (at < 0) throw new Error(`the answer has no '${name}'`)
  at += key.length
  while (json[at] === 0x20 || json[at] === 0x0a || json[at] === 0x0d || json[at] === 0x09 || json[at] === 0x3a) at++
  if (json[at] !== 0x22) throw new Error(`'${name}' is not a string`)
  const end = json.indexOf(0x22, at + 1)
  if (end < 0) throw new Error(`'${name}' is not terminated`)
  return decodeBase64Url(json.subarray(at + 1, end))
}
