/**
 * Issue 22: a copied Windows startup key and a copied LUKS passphrase unlock their real volumes
 * (cryptsetup) after the platform-style unwrap in the target: the ADE stand-in reads the copy's
 * secret-url with the target KEK, as at a boot in the DR region, and writes the BEK volume file.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAde, type Ade } from '../../../emulator/ade.ts'
import { announceSkip } from '../../interop/tools.ts'
import { BITLOCKER_BEK, findCryptsetup, unpackBitlockerFixture } from '../disk-tools.ts'
import { errors, useWorld } from '../world.ts'
import { CopyWorld, TARGET, TARGET_KEK } from './copy-world.ts'

const { cryptsetup, missing } = await findCryptsetup()

if (!cryptsetup) {
  announceSkip('copy-keys unlock', missing!)
} else {
  const world = useWorld()
  const c = new CopyWorld(world)
  const scratch = mkdtempSync(join(tmpdir(), 'copy-keys-unlock-'))
  const image = join(scratch, 'linux-os.img')
  // The Windows-made startup key and its volume (fixtures/bitlocker/SOURCE.md).
  const bitlocker = await unpackBitlockerFixture(scratch)
  let ade: Ade

  beforeAll(async () => {
    await c.provision()
    ade = startAde(world.azure, { vaults: [TARGET] })
    // ADE's own Linux passphrases are base64 text of random bytes.
    const passphrase = Buffer.from(randomBytes(96).toString('base64'))
    writeFileSync(join(scratch, 'passphrase'), passphrase)
    await cryptsetup.luksFormat(image, join(scratch, 'passphrase'))
    rmSync(join(scratch, 'passphrase'))
    c.seed('linux-os', { bytes: passphrase })
    if ('bek' in bitlocker) c.seed('windows-os', { bytes: readFileSync(bitlocker.bek), fileName: BITLOCKER_BEK })
  })
  afterAll(async () => {
    await ade?.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  describe('copy-keys: the copies unlock real volumes after the platform-style unwrap in the target', () => {
    test('a LUKS passphrase and a Windows-made BitLocker startup key', async () => {
      if (!('bek' in bitlocker)) throw new Error(bitlocker.missing)
      const result = await c.copy({
        'secret-url': `${c.secretUrl('linux-os')}\n${c.secretUrl('windows-os')}`,
        'target-kek-name': TARGET_KEK,
        'create-kek': 'true'
      })
      expect(errors(result)).toEqual([])
      const [linux, windows] = JSON.parse(result.outputs['copied']!) as Array<{ 'secret-url': string; 'kek-url': string }>
      expect(linux!['secret-url']).toMatch(new RegExp(`^https://${TARGET}\\.vault\\.azure\\.net/secrets/linux-os/`))
      const linuxKey = await ade.boot({ secretUrl: linux!['secret-url'], keyUrl: linux!['kek-url'] }, { osType: 'linux' })
      expect(await cryptsetup.luksOpen(image, linuxKey.path)).toBe(0)
      const windowsKey = await ade.boot({ secretUrl: windows!['secret-url'], keyUrl: windows!['kek-url'] }, { osType: 'windows' })
      expect(windowsKey.fileName).toBe(BITLOCKER_BEK)
      expect(await cryptsetup.bitlkOpen(bitlocker.volume, windowsKey.path)).toBe(0)
    }, 60_000)
  })
}
