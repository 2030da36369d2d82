// The ADE stand-in does what the platform does at boot, and refuses what the platform would:
// secrets are made here with raw Key Vault calls, independently of the action.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AdeRefusal, startAde, type Ade, type AdeRefusalReason } from '../../emulator/ade.ts'
import { setup, type Fixture } from './helpers.ts'

const GUID_FILE = '4381F759-C4F8-4DE0-BB61-FC33A831BDA5.BEK'

let f: Fixture
let ade: Ade
let kekUrl: string
beforeAll(async () => {
  f = await setup({}, 'kv-ade')
  ade = startAde(f.az, { vaults: [f.vault] })
  kekUrl = `${f.vaultUrl}keys/kek/${f.kekVersion}`
})
afterAll(async () => {
  await ade.close()
  await f.close()
})

interface Stored {
  secretUrl: string
  plaintext: Buffer
}

/** Wraps fresh bytes under the KEK and stores them the way ADE expects, with the given changes. */
async function store(
  options: { contentType?: string | null; tags?: Record<string, string | undefined>; alg?: string; plaintext?: Buffer } = {}
): Promise<Stored> {
  const plaintext = options.plaintext ?? randomBytes(32)
  const alg = options.alg ?? 'RSA-OAEP'
  const wrapped = await f.kv('POST', `/keys/kek/${f.kekVersion}/wrapkey`, { body: { alg, value: plaintext.toString('base64url') } })
  expect(wrapped.status).toBe(200)
  const tags = Object.fromEntries(
    Object.entries({
      DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
      DiskEncryptionKeyEncryptionAlgorithm: alg,
      DiskEncryptionKeyEncryptionKeyURL: kekUrl,
      ...options.tags
    }).filter(([, v]) => v !== undefined)
  )
  const contentType = options.contentType === undefined ? 'Wrapped BEK' : options.contentType
  const name = `bek-${randomBytes(4).toString('hex')}`
  const put = await f.kv('PUT', `/secrets/${name}`, {
    body: { value: wrapped.json.value, tags, ...(contentType === null ? {} : { contentType }) }
  })
  expect(put.status).toBe(200)
  return { secretUrl: put.json.id as string, plaintext }
}

async function refusal(promise: Promise<unknown>): Promise<AdeRefusal> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(AdeRefusal)
  return error as AdeRefusal
}

const vaultOps = () => f.az.requests.filter((r) => r.host === 'kv-ade.vault.azure.net').map((r) => `${r.operation} ${r.status}`)

describe('ADE stand-in: boot', () => {
  test('Linux: signs in after the challenge, reads the secret, unwraps it, writes LinuxPassPhraseFileName 0600', async () => {
    const { secretUrl, plaintext } = await store()
    const fresh = startAde(f.az, { vaults: [f.vault] })
    f.az.clearLogs()
    let volume: string | undefined
    try {
      const file = await fresh.boot({ secretUrl, keyUrl: kekUrl }, { osType: 'linux' })
      volume = file.volume
      expect(file.fileName).toBe('LinuxPassPhraseFileName')
      expect(file.path).toBe(join(file.volume, 'LinuxPassPhraseFileName'))
      expect(readdirSync(file.volume)).toEqual(['LinuxPassPhraseFileName'])
      expect(lstatSync(file.path).mode & 0o777).toBe(0o600)
      expect(readFileSync(file.path).equals(plaintext)).toBe(true)
      expect(file.algorithm).toBe('RSA-OAEP')
      expect(vaultOps()).toEqual(['getSecret 401', 'getSecret 200', 'unwrapKey 200'])
      expect(f.az.requests.filter((r) => r.operation === 'token').map((r) => r.status)).toEqual([200])
    } finally {
      await fresh.close()
    }
    expect(volume).toBeDefined()
    expect(existsSync(volume!)).toBe(false)
  })

  test('Windows: <GUID>.BEK, with the algorithm the tag names (RSA-OAEP-256), into a given volume', async () => {
    const { secretUrl, plaintext } = await store({
      alg: 'RSA-OAEP-256',
      tags: { DiskEncryptionKeyFileName: GUID_FILE },
      plaintext: randomBytes(156)
    })
    const volume = mkdtempSync(join(tmpdir(), 'given-volume-'))
    try {
      const file = await ade.boot({ secretUrl, keyUrl: kekUrl }, { osType: 'windows', volume })
      expect(file.path).toBe(join(volume, GUID_FILE))
      expect(readFileSync(file.path).equals(plaintext)).toBe(true)
      expect(f.az.requests.filter((r) => r.operation === 'unwrapKey').at(-1)?.status).toBe(200)
    } finally {
      rmSync(volume, { recursive: true, force: true })
    }
  })
})

describe('ADE stand-in: refusals (no key file is written)', () => {
  test.each<[string, () => Promise<{ secretUrl: string; keyUrl?: string; osType?: 'linux' | 'windows' }>, AdeRefusalReason, RegExp]>([
    ['content type BEK', async () => store({ contentType: 'BEK' }), 'content-type', /content type is "BEK", not 'Wrapped BEK'/],
    ['no content type', async () => store({ contentType: null }), 'content-type', /content type is undefined/],
    [
      'keyUrl is another version of the KEK than the tag',
      async () => {
        const newer = await f.az.keyVault.createKey(f.vault, 'kek', { size: 2048 })
        return { ...(await store()), keyUrl: `${f.vaultUrl}keys/kek/${newer.version}` }
      },
      'key-url',
      /keyUrl .* is not the secret's DiskEncryptionKeyEncryptionKeyURL/
    ],
    [
      'keyUrl is another KEK',
      async () => {
        const other = await f.az.keyVault.createKey(f.vault, 'other-kek', { size: 2048 })
        return { ...(await store()), keyUrl: `${f.vaultUrl}keys/other-kek/${other.version}` }
      },
      'key-url',
      /is not the secret's DiskEncryptionKeyEncryptionKeyURL/
    ],
    [
      'no KEK URL tag',
      async () => store({ tags: { DiskEncryptionKeyEncryptionKeyURL: undefined } }),
      'tags',
      /no DiskEncryptionKeyEncryptionKeyURL tag/
    ],
    [
      'a version-less KEK URL tag',
      async () => store({ tags: { DiskEncryptionKeyEncryptionKeyURL: `${f.vaultUrl}keys/kek` } }),
      'tags',
      /not a versioned key URL/
    ],
    [
      'an unknown algorithm tag',
      async () => store({ tags: { DiskEncryptionKeyEncryptionAlgorithm: 'A256KW' } }),
      'tags',
      /DiskEncryptionKeyEncryptionAlgorithm is "A256KW"/
    ],
    [
      'a file name with a path',
      async () => store({ tags: { DiskEncryptionKeyFileName: '../escaped' } }),
      'file-name',
      /is not a file name/
    ],
    [
      'a Windows name on a Linux disk',
      async () => ({ ...(await store({ tags: { DiskEncryptionKeyFileName: GUID_FILE } })), osType: 'linux' as const }),
      'file-name',
      /Linux boots look for LinuxPassPhraseFileName/
    ],
    [
      'the Linux name on a Windows disk',
      async () => ({ ...(await store()), osType: 'windows' as const }),
      'file-name',
      /Windows boots look for <GUID>\.BEK/
    ]
  ])('%s', async (_, make, reason, message) => {
    const { secretUrl, keyUrl = kekUrl, osType } = await make()
    const volume = mkdtempSync(join(tmpdir(), 'refused-volume-'))
    f.az.clearLogs()
    try {
      const error = await refusal(ade.boot({ secretUrl, keyUrl }, { volume, ...(osType ? { osType } : {}) }))
      expect(error.reason).toBe(reason)
      expect(error.message).toMatch(message)
      expect(f.az.requests.filter((r) => r.operation === 'unwrapKey')).toEqual([])
      expect(readdirSync(volume)).toEqual([])
    } finally {
      rmSync(volume, { recursive: true, force: true })
    }
  })

  test('a version-less secret URL or key URL is refused before any request', async () => {
    const { secretUrl } = await store()
    f.az.clearLogs()
    const versionless = secretUrl.replace(/\/[0-9a-f]{32}$/, '')
    expect((await refusal(ade.boot({ secretUrl: versionless, keyUrl: kekUrl }))).reason).toBe('secret-url')
    expect((await refusal(ade.boot({ secretUrl, keyUrl: `${f.vaultUrl}keys/kek` }))).reason).toBe('key-url')
    expect((await refusal(ade.boot({ secretUrl: secretUrl.replace('.net/', '.net:443/'), keyUrl: kekUrl }))).reason).toBe('secret-url')
    expect(f.az.requests).toEqual([])
  })

  test('a vault the platform identity is not allowed into: the read is refused (403)', async () => {
    const { secretUrl } = await store()
    const outsider = startAde(f.az)
    try {
      const error = await refusal(outsider.boot({ secretUrl, keyUrl: kekUrl }))
      expect(error.reason).toBe('read')
      expect(error.message).toMatch(/answered 403/)
    } finally {
      await outsider.close()
    }
  })

  test('a wrapped value that is not the KEK’s: unwrapkey fails and nothing is written', async () => {
    const { secretUrl } = await store()
    const name = new URL(secretUrl).pathname.split('/')[2]!
    const tags = f.az.keyVault.getSecretVersions(f.vault, name)[0]!['tags'] as Record<string, string>
    const put = await f.kv('PUT', `/secrets/${name}`, {
      body: { value: randomBytes(256).toString('base64url'), contentType: 'Wrapped BEK', tags }
    })
    const volume = mkdtempSync(join(tmpdir(), 'refused-volume-'))
    try {
      const error = await refusal(ade.boot({ secretUrl: put.json.id as string, keyUrl: kekUrl }, { volume }))
      expect(error.reason).toBe('unwrap')
      expect(error.message).toMatch(/answered 400/)
      expect(readdirSync(volume)).toEqual([])
    } finally {
      rmSync(volume, { recursive: true, force: true })
    }
  })
})
