import { describe, expect, test } from '@jest/globals'
import { BekFormatError, parseBekFile } from '../../src/ade/bek-file.ts'
import { buildBekFile } from '../fixtures/bek-file.ts'

describe('parseBekFile', () => {
  test('reads the protector ID of a 156-byte startup key file', () => {
    const { bytes, guid } = buildBekFile({ guid: '6f1a3c52-9b0d-4e27-a1c4-3d5e7f901b2c' })
    expect(bytes.length).toBe(156)
    expect(parseBekFile(bytes)).toEqual({ protectorId: guid, fileName: `${guid}.BEK` })
  })

  test('reads the 180-byte layout with the volume GUID property', () => {
    const { bytes, guid } = buildBekFile({ withVolumeGuid: true })
    expect(bytes.length).toBe(180)
    expect(parseBekFile(bytes).protectorId).toBe(guid)
  })

  test('decodes the GUID in Windows mixed-endian order', () => {
    const { bytes } = buildBekFile({ guid: '00112233-4455-6677-8899-AABBCCDDEEFF' })
    expect(bytes.subarray(16, 32).toString('hex')).toBe('33221100554477668899aabbccddeeff')
    expect(parseBekFile(bytes).protectorId).toBe('00112233-4455-6677-8899-AABBCCDDEEFF')
  })

  const broken: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
    ['a raw 32-byte key', () => Buffer.alloc(32, 7), /too short/],
    ['a wrong version', (b) => (b.writeUInt32LE(2, 4), b), /version 2/],
    ['a wrong header size', (b) => (b.writeUInt32LE(40, 8), b), /header size 40/],
    ['a size that is not the file length', (b) => (b.writeUInt32LE(200, 0), b), /says 200 bytes/],
    ['a truncated file', (b) => b.subarray(0, 150), /says 156 bytes/],
    ['an entry that is not a startup key', (b) => (b.writeUInt16LE(0x0003, 50), b), /not a startup key/],
    ['an entry GUID unlike the header', (b) => ((b[56] ^= 0xff), b), /differs from the startup key's GUID/],
    ['an impossible entry size', (b) => (b.writeUInt16LE(400, 48), b), /impossible size/],
    ['a key that is not 32 bytes', (b) => (b.writeUInt16LE(0x2c - 1, 0x70), b), /holds 31 bytes|impossible size|truncated/]
  ]
  test.each(broken)('refuses %s', (_, mutate, message) => {
    const { bytes } = buildBekFile()
    const error = (() => {
      try {
        parseBekFile(mutate(Buffer.from(bytes)))
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(BekFormatError)
    expect((error as Error).message).toMatch(message)
  })
})
