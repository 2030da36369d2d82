/**
 * key-file names anything the workflow likes: a device, a FIFO or a huge sparse file is
 * refused from fstat, before reading and before any request.
 */
import { describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { errors, useWorld } from './world.ts'

const world = useWorld()
const dir = mkdtempSync(join(tmpdir(), 'key-file-bounds-'))

function fifo(): string {
  const path = join(dir, 'key.fifo')
  execFileSync('mkfifo', [path])
  return path
}

function sparse2GiB(): string {
  const path = join(dir, 'huge.key')
  writeFileSync(path, '')
  truncateSync(path, 2 * 1024 ** 3)
  return path
}

describe('key-file that is not a small regular file', () => {
  test.each([
    ['/dev/zero', () => '/dev/zero', /it is a device, not a regular file/],
    ['a FIFO', fifo, /it is a FIFO, not a regular file/],
    ['a 2 GiB sparse file', sparse2GiB, /it has 2147483648 bytes; with RSA-OAEP even a 4096-bit KEK wraps 1 to 470 bytes/]
  ])('%s is refused at once, with no request', async (_, make, reason) => {
    const result = await world.run({ 'key-file': make(), 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(new RegExp(`^::error::Input 'key-file': cannot read .*${reason.source}`))])
    expect(world.azure.requests).toEqual([])
    // Reading the sparse file whole took 6 s, and the FIFO or /dev/zero never ended; the
    // refusal itself is immediate, the rest of this bound is the child's start on a busy machine.
    expect(result.durationMs).toBeLessThan(3000)
  })
})
