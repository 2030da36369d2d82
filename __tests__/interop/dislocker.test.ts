// dislocker (Debian's `dislocker` package) reads BitLocker startup-key files on its own, so it
// checks the .BEK layout our fixture builder and parser share: the protector GUID in Windows
// byte order, the sizes, and where the key sits.
import { describe, expect, test } from '@jest/globals'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseBekFile } from '../../src/ade/bek-file.ts'
import { buildBekFile } from '../fixtures/bek-file.ts'
import { announceSkip, runTool } from './tools.ts'

const DISLOCKER_BEK = '/usr/bin/dislocker-bek'
const available = await runTool(DISLOCKER_BEK, ['-h'], { PATH: process.env['PATH'] ?? '' }).then(
  () => true,
  () => false
)

if (!available) {
  announceSkip('dislocker', `${DISLOCKER_BEK} not found (install Debian's dislocker: .ci/install-interop.sh)`)
} else {
  describe('dislocker-bek reads the .BEK files the way the action does', () => {
    test.each([156, 180])('a %i-byte startup key file', async (size) => {
      const fixture = buildBekFile({ guid: randomUUID(), key: randomBytes(32), withVolumeGuid: size === 180 })
      const dir = await mkdtemp(join(tmpdir(), 'dislocker-'))
      try {
        const path = join(dir, `${fixture.guid}.BEK`)
        await writeFile(path, fixture.bytes)
        const { stdout, stderr } = await runTool(DISLOCKER_BEK, ['-f', path], { PATH: process.env['PATH'] ?? '' })
        const text = stdout + stderr
        const keyHex = [...text.matchAll(/0x000000[01]0 ((?:[0-9a-f]{2}[ -]){16})/g)].map((m) => m[1]!.replace(/[ -]/g, '')).join('')

        expect(fixture.bytes).toHaveLength(size)
        expect(text).toContain(`Dataset size: 0x${size.toString(16).padStart(8, '0')} (${size}) bytes`)
        expect(text).toContain(`Dataset GUID: '${fixture.guid}'`)
        expect(text).toContain(`Recovery Key GUID: '${fixture.guid}'`)
        expect(keyHex).toBe(fixture.key.toString('hex'))
        expect(parseBekFile(fixture.bytes).protectorId).toBe(fixture.guid)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })
  })
}
