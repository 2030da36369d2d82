import { randomBytes } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { decodeBase64Url, decodeJsonBase64UrlField, encodeBase64Url, generateKey, keyOperationBody } from '../../src/ade/key-bytes.ts'

describe('base64url in buffers', () => {
  test.each([0, 1, 2, 3, 16, 24, 31, 32, 33, 156, 180, 470])('round-trips %i bytes like Buffer does', (length) => {
    const data = randomBytes(length)
    const encoded = encodeBase64Url(data)
    expect(encoded.toString('ascii')).toBe(data.toString('base64url'))
    expect(decodeBase64Url(encoded).equals(data)).toBe(true)
  })

  test('decodes padded standard base64 too', () => {
    const data = Buffer.from([0xfb, 0xff, 0xfe, 0x01])
    expect(decodeBase64Url(Buffer.from(data.toString('base64'))).equals(data)).toBe(true)
  })

  test('refuses other characters', () => {
    expect(() => decodeBase64Url(Buffer.from('ab$d'))).toThrow(/not base64url/)
  })
})

test('generateKey makes independent keys of the asked size', () => {
  const [a, b] = [generateKey(256), generateKey(256)]
  expect(a).toHaveLength(32)
  expect(generateKey(128)).toHaveLength(16)
  expect(a.equals(b)).toBe(false)
})

test('keyOperationBody is the JSON Key Vault expects', () => {
  const key = randomBytes(32)
  expect(JSON.parse(keyOperationBody('RSA-OAEP', key).toString())).toEqual({ alg: 'RSA-OAEP', value: key.toString('base64url') })
})

test('decodeJsonBase64UrlField reads the value field of an unwrap answer', () => {
  const key = randomBytes(32)
  const answer = Buffer.from(JSON.stringify({ kid: 'https://v.vault.azure.net/keys/k/1', value: key.toString('base64url') }, null, 1))
  expect(decodeJsonBase64UrlField(answer, 'value').equals(key)).toBe(true)
  expect(() => decodeJsonBase64UrlField(Buffer.from('{"kid":"x"}'), 'value')).toThrow(/no 'value'/)
})
