/**
 * What the rewrap's fault tests share: BEKs seeded on the KEK's first version (wrapped locally
 * with its public key, their bytes remembered), the rotation, a run of the rewrap bundle with
 * debug on and a leak scan over everything it showed, and the rule every run must leave true:
 * no enabled version on the target that does not unwrap (outside the vault) to the BEK's bytes.
 */
import { expect } from '@jest/globals'
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { KEK, VAULT, type World } from '../world.ts'

export const ENTRY = join(process.cwd(), 'dist', 'rewrap', 'index.js')

export const kid = (version: string, vault = VAULT, key = KEK): string => `https://${vault}.vault.azure.net/keys/${key}/${version}`

export interface Seed {
  readonly bytes?: Buffer
  readonly algorithm?: 'RSA-OAEP' | 'RSA-OAEP-256' | 'RSA1_5'
  readonly fileName?: string
  /** The KEK to wrap with: its vault, name and version (default: the world's KEK, first version). */
  readonly kek?: { readonly vault: string; readonly name: string; readonly version: string }
}

export class RewrapWorld {
  readonly plaintext = new Map<string, Buffer>()
  readonly extraSensitive: string[] = []
  v1 = ''
  /** Private keys of KEK versions, by kid: the stand-in gives only the current version's. */
  readonly pems = new Map<string, string>()

  readonly world: World

  constructor(world: World) {
    this.world = world
  }

  /** Remembers the current version of a KEK (before a rotation replaces it); returns the version. */
  rememberKek(vault = VAULT, key = KEK): string {
    const current = this.world.azure.keyVault.getKey(vault, key)!
    this.pems.set(kid(current.version, vault, key), current.privateKeyPem)
    return current.version
  }

  /** A BEK as ADE's tools store it, wrapped locally with the KEK's public key. */
  seed(name: string, seed: Seed = {}): Buffer {
    const kek = seed.kek ?? { vault: VAULT, name: KEK, version: this.v1 }
    const algorithm = seed.algorithm ?? 'RSA-OAEP'
    const bytes = seed.bytes ?? randomBytes(32)
    const pem = this.pems.get(kid(kek.version, kek.vault, kek.name))!
    const padding = algorithm === 'RSA1_5' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING
    const value = publicEncrypt(
      { key: createPublicKey(pem), padding, oaepHash: algorithm === 'RSA-OAEP-256' ? 'sha256' : 'sha1' },
      bytes
    ).toString('base64url')
    this.plaintext.set(name, bytes)
    this.world.azure.keyVault.setSecret(VAULT, name, {
      value,
      contentType: 'Wrapped BEK',
      tags: {
        DiskEncryptionKeyFileName: seed.fileName ?? 'LinuxPassPhraseFileName',
        DiskEncryptionKeyEncryptionAlgorithm: algorithm,
        DiskEncryptionKeyEncryptionKeyURL: kid(kek.version, kek.vault, kek.name)
      }
    })
    return bytes
  }

  /**
   * A run of the rewrap bundle, debug on, leak-scanned: every BEK's bytes, every token, every stored
   * value. `masked`: scanned as the runner shows it, each value of an ::add-mask:: line replaced by ***.
   */
  async rewrap(inputs: Record<string, string> = {}, masked = false): Promise<RunActionResult> {
    const { 'client-id': clientId, 'tenant-id': tenantId } = this.world.inputs
    const result = await runAction({
      localAzure: this.world.azure,
      entry: ENTRY,
      inputs: { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
      debug: true,
      timeoutMs: 90_000
    })
    if (result.exitCode === 0) expect(result.stdout).toContain('::debug::') // debug logging really is on
    const wrapped = [...this.plaintext.keys()].flatMap((name) => this.world.versions(name).map((version) => version.value))
    expect(
      leaks(masked ? applyMasks(result) : result, {
        plaintexts: [...this.plaintext.values()],
        tokens: issuedTokens(this.world.azure),
        wrapped: [...wrapped, ...this.extraSensitive]
      })
    ).toEqual([])
    return result
  }

  /**
   * The rule: every enabled version of `name` that names a KEK decrypts, with that KEK's private
   * key outside the vault, to the BEK's bytes; so no enabled latest version is ever unverified.
   */
  expectNoUnverified(name: string, targetVersion: string): void {
    for (const version of this.world.versions(name)) {
      if (!version.attributes.enabled) continue
      const tag = version.tags!.DiskEncryptionKeyEncryptionKeyURL!
      if (!tag.endsWith(`/${targetVersion}`)) continue
      const bytes = this.world.unwrapLocally(version.value, version.tags!.DiskEncryptionKeyEncryptionAlgorithm ?? 'RSA-OAEP')
      expect({ name, id: version.id, same: bytes.equals(this.plaintext.get(name)!) }).toEqual({ name, id: version.id, same: true })
    }
  }

  /** The latest version of `name` is on the target and unwraps to its bytes. */
  expectDone(name: string, targetVersion: string): void {
    const latest = this.world.versions(name).at(-1)!
    expect({ name, enabled: latest.attributes.enabled, kek: latest.tags!.DiskEncryptionKeyEncryptionKeyURL }).toEqual({
      name,
      enabled: true,
      kek: kid(targetVersion)
    })
    this.expectNoUnverified(name, targetVersion)
  }
}

/** What the runner shows of a run: every value an ::add-mask:: line registered, in every later line, replaced by ***. */
export function applyMasks(result: RunActionResult): RunActionResult {
  const lines = result.stdout.split('\n')
  const masks = lines.filter((line) => line.startsWith('::add-mask::')).map((line) => line.slice('::add-mask::'.length))
  const mask = (text: string): string => masks.reduce((out, value) => (value ? out.split(value).join('***') : out), text)
  return {
    ...result,
    stdout: mask(
      result.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n')
    ),
    stderr: mask(result.stderr),
    summary: mask(result.summary),
    outputs: Object.fromEntries(Object.entries(result.outputs).map(([name, value]) => [name, mask(value)]))
  }
}

/** The `::error::` line about secret `name` (its name first), or undefined. */
export function errorFor(result: RunActionResult, name: string): string | undefined {
  return result.stdout.split('\n').find((line) => line.startsWith(`::error::${name}: `) || line.startsWith(`::error::The secret ${name} `))
}
