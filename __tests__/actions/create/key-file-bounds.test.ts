/**
 * key-file names anything the workflow likes: a device, a FIFO or a huge sparse file is
 * refused from fstat, before reading and before any request.
 */
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectSafe } from '../hostile.ts'
import { ELAPSED, elapsedMs } from '../preload.ts'
import { errors, useWorld } from '../world.ts'

// Each test runs the bundle once or more, on a machine that may be busy.
jest.setTimeout(30_000)
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

/**
 * How long the action's process lived, from Node's start to its exit (the spawn is not
 * counted), for a run that fails on key-file. The fastest of two runs: a busy machine only
 * ever makes a run slower.
 */
async function refusalMs(keyFile: string): Promise<{ ms: number; result: Awaited<ReturnType<typeof world.run>> }> {
  const runs = []
  for (let i = 0; i < 2; i++) runs.push(await world.run({ 'key-file': keyFile, 'os-type': 'linux' }, { env: ELAPSED }))
  return { ms: Math.min(...runs.map((run) => elapsedMs(run.stderr))), result: runs[0]! }
}

describe('key-file that is not a small regular file', () => {
  /** The same bad-input run with a key file that does not exist: Node's start, loading the bundle, the inputs. */
  let baselineMs = 0
  beforeAll(async () => {
    const { ms, result } = await refusalMs(join(dir, 'missing.key'))
    expect(errors(result)).toEqual([expect.stringMatching(/^::error::Input 'key-file': cannot read .*ENOENT/)])
    baselineMs = ms
  }, 30_000)

  test.each([
    ['/dev/zero', () => '/dev/zero', /it is a device, not a regular file/],
    ['a FIFO', fifo, /it is a FIFO, not a regular file/],
    ['a 2 GiB sparse file', sparse2GiB, /it has 2147483648 bytes; with RSA-OAEP even a 4096-bit KEK wraps 1 to 470 bytes/]
  ])(
    '%s is refused within 1 s, with no request',
    async (_, make, reason) => {
      const { ms, result } = await refusalMs(make())
      expect(result.exitCode).toBe(1)
      expect(errors(result)).toEqual([expect.stringMatching(new RegExp(`^::error::Input 'key-file': cannot read .*${reason.source}`))])
      expect(world.azure.requests).toEqual([])
      expectSafe(world, result, { exitCode: 1, name: 'none' })
      // Reading the sparse file whole took 6 s, and the FIFO or /dev/zero never ended. What
      // this refusal costs beyond refusing a missing file is the action's own time on key-file.
      expect(ms - baselineMs).toBeLessThanOrEqual(1000)
    },
    30_000
  )
})
