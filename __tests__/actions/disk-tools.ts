/**
 * The real tools that open encrypted disks, run on plain image files (no loop device, no
 * device-mapper): Debian's cryptsetup (LUKS2, and BitLocker volumes read-only) and dislocker-bek.
 * Each finder says why a tool cannot be used here, so that a suite can skip itself saying so.
 */
import { constants } from 'node:fs'
import { access, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runTool } from '../interop/tools.ts'

const INSTALL = "install Debian's cryptsetup-bin, dislocker and xz-utils: .ci/install-interop.sh"
const env = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin' })

/** The Windows-made startup key and the BitLocker volume it opens (see fixtures/bitlocker/SOURCE.md). */
export const BITLOCKER_FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'bitlocker',
  'bitlk-win10-startup-key.tar.xz'
)
export const BITLOCKER_GUID = '4381F759-C4F8-4DE0-BB61-FC33A831BDA5'
export const BITLOCKER_BEK = `${BITLOCKER_GUID}.BEK`
export const BITLOCKER_VOLUME = 'bitlk-aes-xts-128-startup-key.img'

export interface Cryptsetup {
  /** A new `sizeMiB` LUKS2 image whose only key is the file's bytes. PBKDF2 at 1000 iterations: fast, for tests only. */
  luksFormat(image: string, keyFile: string, sizeMiB?: number): Promise<void>
  /** Exit code of `cryptsetup open --test-passphrase --key-file`: 0 when the key file unlocks the image. */
  luksOpen(image: string, keyFile: string): Promise<number | null>
  /** Exit code of `cryptsetup bitlkOpen -r --test-passphrase --key-file`: 0 when the key file unlocks the volume. */
  bitlkOpen(volume: string, keyFile: string): Promise<number | null>
}

async function executable(candidates: string[]): Promise<string | undefined> {
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK)
      return path
    } catch {
      // next
    }
  }
  return undefined
}

async function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const r = await runTool(command, args, env(), { timeoutMs: 30_000 })
  return { code: r.code, output: (r.stdout + r.stderr).trim() }
}

/** cryptsetup, once it has formatted and opened a LUKS2 image here; or why it cannot. */
export async function findCryptsetup(): Promise<{ cryptsetup?: Cryptsetup; missing?: string }> {
  const path = await executable(['/usr/sbin/cryptsetup', '/sbin/cryptsetup', '/usr/bin/cryptsetup'])
  if (!path) return { missing: `cryptsetup not found (${INSTALL})` }
  const cryptsetup: Cryptsetup = {
    luksFormat: async (image, keyFile, sizeMiB = 20) => {
      await writeFile(image, '', { flag: 'wx' })
      await truncate(image, sizeMiB * 1024 * 1024)
      const args = ['luksFormat', '--type', 'luks2', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--batch-mode']
      const r = await run(path, [...args, '--key-file', keyFile, image])
      if (r.code !== 0) throw new Error(`cryptsetup luksFormat ${image}: exit ${r.code}: ${r.output}`)
    },
    luksOpen: async (image, keyFile) => (await run(path, ['open', '--test-passphrase', '--key-file', keyFile, image])).code,
    bitlkOpen: async (volume, keyFile) => (await run(path, ['bitlkOpen', '-r', '--test-passphrase', '--key-file', keyFile, volume])).code
  }
  const dir = await mkdtemp(join(tmpdir(), 'cryptsetup-probe-'))
  try {
    await writeFile(join(dir, 'key'), 'probe')
    await cryptsetup.luksFormat(join(dir, 'probe.img'), join(dir, 'key'))
    const opened = await cryptsetup.luksOpen(join(dir, 'probe.img'), join(dir, 'key'))
    if (opened !== 0) return { missing: `${path} formatted a LUKS2 image but cannot open it here (exit ${opened})` }
    return { cryptsetup }
  } catch (error) {
    return { missing: `${path} cannot format a LUKS2 image file here: ${(error as Error).message}` }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The dataset GUID `dislocker-bek -f` reads from a startup-key file, or undefined when it reads none. */
export type DislockerGuid = (bekFile: string) => Promise<string | undefined>

export async function findDislocker(): Promise<{ dislockerGuid?: DislockerGuid; missing?: string }> {
  const path = await executable(['/usr/bin/dislocker-bek'])
  if (!path) return { missing: `dislocker-bek not found (${INSTALL})` }
  return {
    dislockerGuid: async (bekFile) => /Dataset GUID: '([0-9A-F-]{36})'/i.exec((await run(path, ['-f', bekFile])).output)?.[1]
  }
}

/** Unpacks the BitLocker fixture into `dir`; or says why it cannot. */
export async function unpackBitlockerFixture(dir: string): Promise<{ bek: string; volume: string } | { missing: string }> {
  const tar = await executable(['/usr/bin/tar', '/bin/tar'])
  if (!tar || !(await executable(['/usr/bin/xz', '/bin/xz'])))
    return { missing: `tar and xz are needed to unpack ${BITLOCKER_FIXTURE} (${INSTALL})` }
  const r = await run(tar, ['-xJf', BITLOCKER_FIXTURE, '-C', dir])
  if (r.code !== 0) return { missing: `could not unpack ${BITLOCKER_FIXTURE}: ${r.output}` }
  return { bek: join(dir, BITLOCKER_BEK), volume: join(dir, BITLOCKER_VOLUME) }
}
