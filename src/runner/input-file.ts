/**
 * Reads a file an input names (key-file, encryption-config-file) without trusting what the path names: a device, a FIFO or a huge sparse file
 * is refused from the open descriptor's fstat, before a byte is read, and never more than
 * the limit is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'

/** Why the file cannot be used; the caller names the input. */
export class KeyFileError extends Error {}

/** The file's bytes, 1 to `limit` of them; the caller zeroes them. */
export function readKeyFile(path: string, limit: number): Buffer {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw new KeyFileError((error as NodeJS.ErrnoException).code ?? String(error))
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new KeyFileError(`it is ${kindOf(stat)}, not a regular file; give the file itself`)
    if (stat.size === 0 || stat.size > limit) throw new KeyFileError(`it has ${stat.size} bytes`)
    const bytes = Buffer.alloc(stat.size)
    let read = 0
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read)
      if (n === 0) break
      read += n
    }
    if (read !== bytes.length) {
      bytes.fill(0)
      throw new KeyFileError(`it shrank while being read (${read} of ${stat.size} bytes); make sure nothing writes to it`)
    }
    return bytes
  } finally {
    closeSync(fd)
  }
}

function kindOf(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return 'a directory'
  if (stat.isFIFO()) return 'a FIFO'
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device'
  if (stat.isSocket()) return 'a socket'
  return 'something else'
}
