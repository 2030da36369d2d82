/**
 * Checks that bytes are a BitLocker startup-key file (`<GUID>.BEK`), the only form in which
 * ADE on Windows can hand a key to BitLocker: it writes the unwrapped secret to the BEK volume
 * as a file, and BitLocker parses that file. Layout: an FVE metadata header (version 1, 48
 * bytes, whose GUID is the key protector's ID) then one external-key entry holding the key.
 * See `../shared/notes/bek-format.md`; the checks are the union of what libbde, cryptsetup
 * and dislocker check.
 */

const HEADER_SIZE = 48
const ENTRY_HEADER_SIZE = 8
const ENTRY_TYPE_PROPERTY = 0x0000
const ENTRY_TYPE_STARTUP_KEY = 0x0006
const VALUE_TYPE_KEY = 0x0001
const VALUE_TYPE_EXTERNAL_KEY = 0x0009
/** Entry header, then the external key's GUID (16) and FILETIME (8). */
const EXTERNAL_KEY_FIXED_SIZE = ENTRY_HEADER_SIZE + 16 + 8
/** Property header, then the u32 key method. */
const KEY_PROPERTY_FIXED_SIZE = ENTRY_HEADER_SIZE + 4
const EXTERNAL_KEY_BYTES = 32

export interface BekFile {
  /** The key protector's ID, upper case, as Windows names the file. */
  readonly protectorId: string
  /** `<protectorId>.BEK`, the file name ADE must give the unwrapped bytes. */
  readonly fileName: string
}

export class BekFormatError extends Error {}

/** Parses `bytes` as a `.BEK` file; throws a BekFormatError that says what is wrong. */
export function parseBekFile(bytes: Uint8Array): BekFile {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (data.length < HEADER_SIZE + EXTERNAL_KEY_FIXED_SIZE) {
    throw new BekFormatError(`${data.length} bytes is too short for a BitLocker startup key (.BEK) file, which is usually 156 or 180 bytes`)
  }
  const size = data.readUInt32LE(0)
  const version = data.readUInt32LE(4)
  const headerSize = data.readUInt32LE(8)
  const sizeCopy = data.readUInt32LE(12)
  if (version !== 1 || headerSize !== HEADER_SIZE) {
    throw new BekFormatError(
      `no BitLocker metadata header (version ${version}, header size ${headerSize}; expected version 1, header size 48)`
    )
  }
  if (size !== data.length || sizeCopy !== size) {
    throw new BekFormatError(`the header says ${size} bytes (copy: ${sizeCopy}) but the file has ${data.length}`)
  }
  const protectorId = formatGuid(data, 16)

  const entry = readEntryHeader(data, HEADER_SIZE, data.length)
  if (entry.type !== ENTRY_TYPE_STARTUP_KEY || entry.valueType !== VALUE_TYPE_EXTERNAL_KEY) {
    throw new BekFormatError(`the first entry is type 0x${hex(entry.type)}/0x${hex(entry.valueType)}, not a startup key (0x0006/0x0009)`)
  }
  if (entry.end !== data.length && readEntryHeader(data, entry.end, data.length).type === ENTRY_TYPE_STARTUP_KEY) {
    throw new BekFormatError('the file holds more than one startup key entry')
  }
  const entryGuid = formatGuid(data, HEADER_SIZE + ENTRY_HEADER_SIZE)
  if (entryGuid !== protectorId) {
    throw new BekFormatError(`the header GUID ${protectorId} differs from the startup key's GUID ${entryGuid}`)
  }
  if (countKeys(data, HEADER_SIZE + EXTERNAL_KEY_FIXED_SIZE, entry.end) !== 1) {
    throw new BekFormatError('the startup key entry does not hold exactly one 256-bit key')
  }
  return { protectorId, fileName: `${protectorId}.BEK` }
}

interface EntryHeader {
  readonly type: number
  readonly valueType: number
  readonly end: number
}

function readEntryHeader(data: Buffer, offset: number, limit: number): EntryHeader {
  if (offset + ENTRY_HEADER_SIZE > limit) throw new BekFormatError(`truncated entry at offset ${offset}`)
  const size = data.readUInt16LE(offset)
  if (size < ENTRY_HEADER_SIZE || offset + size > limit) {
    throw new BekFormatError(`entry at offset ${offset} has an impossible size ${size}`)
  }
  return { type: data.readUInt16LE(offset + 2), valueType: data.readUInt16LE(offset + 4), end: offset + size }
}

/** Counts the 256-bit key properties nested in the external-key entry between `offset` and `end`. */
function countKeys(data: Buffer, offset: number, end: number): number {
  let keys = 0
  for (let at = offset; at < end;) {
    const property = readEntryHeader(data, at, end)
    const keyBytes = property.end - at - KEY_PROPERTY_FIXED_SIZE
    if (property.type === ENTRY_TYPE_PROPERTY && property.valueType === VALUE_TYPE_KEY) {
      if (keyBytes !== EXTERNAL_KEY_BYTES) throw new BekFormatError(`the key property holds ${keyBytes} bytes, not 32`)
      keys++
    }
    at = property.end
  }
  return keys
}

/** Formats a GUID stored the Windows way: three little-endian fields, then eight raw bytes. */
function formatGuid(data: Buffer, offset: number): string {
  const raw = data.subarray(offset, offset + 16)
  const field = (from: number, to: number): string => Buffer.from(raw.subarray(from, to)).reverse().toString('hex')
  const rest = raw.subarray(8).toString('hex')
  return `${field(0, 4)}-${field(4, 6)}-${field(6, 8)}-${rest.slice(0, 4)}-${rest.slice(4)}`.toUpperCase()
}

const hex = (n: number): string => n.toString(16).padStart(4, '0')
