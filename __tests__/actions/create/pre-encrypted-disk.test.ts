// The pre-encrypted disk path on the bundle, with real tools: the key the action hands to the
// image build (key-output-file) or wraps from a file (key-file) encrypts a disk that cryptsetup
// opens with what the ADE stand-in writes to the BEK volume at boot, the way the platform does.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAde, type Ade, type BekVolumeFile } from '../../../emulator/ade.ts'
import { POST_ENTRY, makeJobDir, type RunActionResult } from '../../../emulator/runner.ts'
import { buildBekFile } from '../../fixtures/bek-file.ts'
import { announceSkip } from '../../interop/tools.ts'
import { BITLOCKER_BEK, BITLOCKER_GUID, findCryptsetup, findDislocker, unpackBitlockerFixture } from '../disk-tools.ts'
import { VAULT, errors, useWorld } from '../world.ts'

const { cryptsetup, missing } = await findCryptsetup()
const { dislockerGuid, missing: noDislocker } = await findDislocker()

interface Entry {
  name: string
  'secret-url': string
  'kek-url': string
}

if (!cryptsetup) {
  announceSkip('pre-encrypted disk', missing!)
} else {
  const scratch = mkdtempSync(join(tmpdir(), 'pre-encrypted-'))
  const bitlocker = await unpackBitlockerFixture(scratch)
  const world = useWorld()
  let ade: Ade
  beforeAll(() => {
    ade = startAde(world.azure, { vaults: [VAULT] })
  })
  afterAll(async () => {
    await ade.close()
    rmSync(scratch, { recursive: true, force: true })
  })
  const jobs: string[] = []
  afterEach(() => jobs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))
  const newJob = async () => {
    const job = await makeJobDir()
    jobs.push(job.dir)
    return job
  }
  const ok = (result: RunActionResult): RunActionResult => {
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    return result
  }
  /** What the platform does at boot with the disk's encryption settings, from the action's outputs. */
  const boot = (outputs: Partial<Record<'secret-url' | 'kek-url', string>>, osType: 'linux' | 'windows'): Promise<BekVolumeFile> =>
    ade.boot({ secretUrl: outputs['secret-url']!, keyUrl: outputs['kek-url']! }, { osType })

  describe('pre-encrypted disk: what the action stores unlocks the disk the way ADE unlocks it (cryptsetup)', () => {
    test('generated key: luksFormat with key-output-file, post step deletes it, ADE writes LinuxPassPhraseFileName, it unlocks', async () => {
      const job = await newJob()
      const keyPath = join(job.runnerTemp, 'disk.key')
      const main = ok(await world.run({ 'os-type': 'linux', 'key-output-file': keyPath }, { jobDir: job.dir }))

      const image = join(job.workspace, 'os.img')
      await cryptsetup.luksFormat(image, keyPath)
      const post = await world.run({}, { jobDir: job.dir, entry: POST_ENTRY, state: main.state })
      expect(post.exitCode).toBe(0)
      expect(existsSync(keyPath)).toBe(false)

      const booted = await boot(main.outputs, 'linux')
      expect(booted.fileName).toBe('LinuxPassPhraseFileName')
      expect(await cryptsetup.luksOpen(image, booted.path)).toBe(0)

      const other = await boot(ok(await world.run({ 'os-type': 'linux' })).outputs, 'linux')
      expect(readFileSync(other.path).equals(readFileSync(booted.path))).toBe(false)
      expect(await cryptsetup.luksOpen(image, other.path)).not.toBe(0)
    }, 60_000)

    test('existing passphrase (key-file): the image formatted with it opens with what ADE writes back', async () => {
      const job = await newJob()
      // ADE's own Linux passphrases are base64 of 127 random bytes.
      mkdirSync(job.workspace, { recursive: true })
      const passphrase = join(job.workspace, 'passphrase')
      writeFileSync(passphrase, randomBytes(127).toString('base64'), { mode: 0o600 })
      const image = join(job.workspace, 'data.img')
      await cryptsetup.luksFormat(image, passphrase)
      const main = ok(await world.run({ 'os-type': 'linux', 'key-file': passphrase }, { jobDir: job.dir }))
      const original = readFileSync(passphrase)
      rmSync(passphrase)

      const booted = await boot(main.outputs, 'linux')
      expect(readFileSync(booted.path).equals(original)).toBe(true)
      expect(await cryptsetup.luksOpen(image, booted.path)).toBe(0)
    }, 60_000)

    test('batch: count 5 with key-output-file, each key unlocks its own image and no other, the post step deletes all', async () => {
      const job = await newJob()
      const dir = join(job.workspace, 'keys')
      const main = ok(await world.run({ 'os-type': 'linux', 'key-output-file': dir, count: '5' }, { jobDir: job.dir, debug: true }))
      const secrets = JSON.parse(main.outputs['secrets']!) as Entry[]
      expect(secrets).toHaveLength(5)
      const images = secrets.map(({ name }) => join(job.workspace, `${name}.img`))
      await Promise.all(secrets.map(({ name }, i) => cryptsetup.luksFormat(images[i]!, join(dir, `${name}.key`))))

      // Leak scan (debug on): no key in any form in the log, the summary or the raw GITHUB_OUTPUT. The runner hides
      // its mask commands, which get each key's base64url before the wrapkey that carries it.
      const log = main.stdout.replace(/^::add-mask::.*$/gm, '')
      const text = [log, main.stderr, main.summary, readFileSync(join(job.dir, 'file_commands', 'set_output'), 'utf8')].join('\n')
      for (const { name } of secrets) {
        const key = readFileSync(join(dir, `${name}.key`))
        for (const form of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), key.toString('base64url')]) {
          expect(text).not.toContain(form)
        }
      }

      const post = await world.run({}, { jobDir: job.dir, entry: POST_ENTRY, state: main.state })
      expect(post.exitCode).toBe(0)
      expect(post.stdout.match(/deleted the key file/g)).toHaveLength(5)
      expect(existsSync(dir)).toBe(false)

      const booted = await Promise.all(secrets.map((entry) => boot(entry, 'linux')))
      for (const [i, file] of booted.entries()) {
        expect(await cryptsetup.luksOpen(images[i]!, file.path)).toBe(0)
        expect(await cryptsetup.luksOpen(images[(i + 1) % images.length]!, file.path)).not.toBe(0)
      }
    }, 90_000)
  })

  describe('Windows, with a real Windows-made startup key (cryptsetup bitlkOpen, dislocker-bek)', () => {
    if ('missing' in bitlocker) {
      announceSkip('BitLocker fixture', bitlocker.missing)
      return
    }
    test('the .BEK wrapped with key-file comes back from ADE as <GUID>.BEK, byte-identical, and unlocks the volume', async () => {
      const main = ok(await world.run({ 'os-type': 'windows', 'key-file': bitlocker.bek }))
      expect(main.outputs['secret-name']).toBe(BITLOCKER_GUID)

      const booted = await boot(main.outputs, 'windows')
      expect(booted.fileName).toBe(BITLOCKER_BEK)
      expect(readFileSync(booted.path).equals(readFileSync(bitlocker.bek))).toBe(true)
      expect(await cryptsetup.bitlkOpen(bitlocker.volume, booted.path)).toBe(0)

      // The volume tells the key from a well-formed startup key of the same protector ID.
      const forged = join(scratch, `forged-${BITLOCKER_BEK}`)
      writeFileSync(forged, buildBekFile({ guid: BITLOCKER_GUID, key: randomBytes(32) }).bytes)
      expect(await cryptsetup.bitlkOpen(bitlocker.volume, forged)).not.toBe(0)
    }, 60_000)

    if (!dislockerGuid) {
      announceSkip('dislocker', noDislocker!)
      return
    }
    test('dislocker-bek reads the same protector GUID from the file ADE wrote', async () => {
      const main = ok(await world.run({ 'os-type': 'windows', 'key-file': bitlocker.bek, 'if-exists': 'new-version' }))
      const booted = await boot(main.outputs, 'windows')
      expect(await dislockerGuid(booted.path)).toBe(BITLOCKER_GUID)
      expect(await dislockerGuid(bitlocker.bek)).toBe(BITLOCKER_GUID)
    }, 60_000)
  })
}
