/**
 * The inventory's judgement of KEK versions it cannot read or whose dates have passed, and of
 * fail-on after a rewrap, from its bundle against the local Azure:
 * - a BEK whose KEK tag names a vault that no longer resolves, or one in another tenant, is
 *   reported on its own (unknown / no-access, with the reason) and the rest still completes;
 * - an expired or not-yet-valid KEK version still unwraps (Key Vault's "Date-time controlled
 *   operations"): reported as a fact, not at risk;
 * - fail-on: not-current judges each BEK by its latest version, at-risk every enabled version.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { useWorld, errors } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'inventory', 'index.js')
const STRANDED = 'bek-strand' // tags name a vault that is gone, and one in another tenant
const DATED = 'bek-dated' // BEKs on an expired and a not-yet-valid current KEK version
const ROTATED = 'bek-rotate' // BEKs after a rotation and a rewrap
const FOREIGN = 'kek-foreign'

const kid = (vault: string, key: string, version: string): string => `https://${vault}.vault.azure.net/keys/${key}/${version}`
const bekTags = (kekUrl: string): Record<string, string> => ({
  DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
  DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
  DiskEncryptionKeyEncryptionKeyURL: kekUrl
})
const kek: Record<string, string> = {}

async function inventory(vault: string, inputs: Record<string, string> = {}): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': vault, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    debug: true,
    timeoutMs: 60_000
  })
  expect(leaks(result, { tokens: issuedTokens(world.azure) })).toEqual([])
  return result
}

interface KekVersionOut {
  'kek-url': string
  state: string
  reason: string | null
  'bek-count': number
}
const kekVersions = (result: RunActionResult): Record<string, KekVersionOut> =>
  Object.fromEntries((JSON.parse(result.outputs['kek-versions']!) as KekVersionOut[]).map((k) => [k['kek-url'], k]))

beforeAll(async () => {
  const kv = world.azure.keyVault
  const day = 86_400_000
  for (const vault of [STRANDED, DATED, ROTATED]) {
    kv.createVault(vault)
    kv.grant(vault, world.objectId, 'Key Vault Secrets User')
    kv.grant(vault, world.objectId, 'Key Vault Crypto Service Encryption User')
  }
  // A vault of another tenant: its key exists, but this identity's token is not for it.
  kv.createVault(FOREIGN, { tenantId: '00000000-0000-4000-8000-00000000f0f0' })
  kek.foreign = (await kv.createKey(FOREIGN, 'kek', { size: 2048 })).version
  kek.strandedOk = (await kv.createKey(STRANDED, 'kek', { size: 2048 })).version
  kv.setSecret(STRANDED, 'bek-gone', {
    value: 'g',
    contentType: 'Wrapped BEK',
    tags: bekTags(kid('kek-gone-vault', 'kek', 'a'.repeat(32)))
  })
  kv.setSecret(STRANDED, 'bek-foreign', { value: 'f', contentType: 'Wrapped BEK', tags: bekTags(kid(FOREIGN, 'kek', kek.foreign)) })
  kv.setSecret(STRANDED, 'bek-fine', { value: 'o', contentType: 'Wrapped BEK', tags: bekTags(kid(STRANDED, 'kek', kek.strandedOk)) })

  kek.expired = (await kv.createKey(DATED, 'kek-expired', { size: 2048, exp: new Date(Date.now() - day) })).version
  kek.future = (await kv.createKey(DATED, 'kek-future', { size: 2048, nbf: new Date(Date.now() + day) })).version
  kv.setSecret(DATED, 'bek-exp', { value: 'e', contentType: 'Wrapped BEK', tags: bekTags(kid(DATED, 'kek-expired', kek.expired)) })
  kv.setSecret(DATED, 'bek-nbf', { value: 'n', contentType: 'Wrapped BEK', tags: bekTags(kid(DATED, 'kek-future', kek.future)) })

  // A rotation: v1, then v2 current. bek-a was rewrapped (v1 version kept enabled, by design),
  // bek-b was not. A third key, disabled, holds an old enabled version of bek-c.
  kek.v1 = (await kv.createKey(ROTATED, 'kek', { size: 2048 })).version
  kek.v2 = (await kv.createKey(ROTATED, 'kek', { size: 2048 })).version
  kek.off = (await kv.createKey(ROTATED, 'kek-off', { size: 2048 })).version
  kv.updateKey(ROTATED, 'kek-off', { enabled: false })
  kv.setSecret(ROTATED, 'bek-a', { value: 'a1', contentType: 'Wrapped BEK', tags: bekTags(kid(ROTATED, 'kek', kek.v1)) })
  kv.setSecret(ROTATED, 'bek-a', { value: 'a2', contentType: 'Wrapped BEK', tags: bekTags(kid(ROTATED, 'kek', kek.v2)) })
  kv.setSecret(ROTATED, 'bek-b', { value: 'b1', contentType: 'Wrapped BEK', tags: bekTags(kid(ROTATED, 'kek', kek.v1)) })
  kv.setSecret(ROTATED, 'bek-c', { value: 'c1', contentType: 'Wrapped BEK', tags: bekTags(kid(ROTATED, 'kek-off', kek.off)) })
  kv.setSecret(ROTATED, 'bek-c', { value: 'c2', contentType: 'Wrapped BEK', tags: bekTags(kid(ROTATED, 'kek', kek.v2)) })
}, 60_000)

describe('KEK versions the inventory cannot read', () => {
  test('a vault that no longer resolves and one in another tenant are reported per KEK version; the rest completes', async () => {
    const result = await inventory(STRANDED)
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).not.toContain("Input 'kek-url'")
    const keks = kekVersions(result)
    const gone = keks[kid('kek-gone-vault', 'kek', 'a'.repeat(32))]!
    expect(gone).toMatchObject({ state: 'unknown', 'bek-count': 1 })
    expect(gone.reason).toMatch(/kek-gone-vault\.vault\.azure\.net does not resolve.*az keyvault recover/)
    const foreign = keks[kid(FOREIGN, 'kek', kek.foreign)]!
    expect(foreign).toMatchObject({ state: 'no-access', 'bek-count': 1 })
    expect(foreign.reason).toMatch(/HTTP 401.*another tenant.*tenant-id/)
    expect(keks[kid(STRANDED, 'kek', kek.strandedOk)]).toMatchObject({ state: 'ok', reason: null })
    expect(result.outputs['at-risk-count']).toBe('2')
    const beks = JSON.parse(result.outputs.beks!) as Array<{ name: string; 'kek-state': string }>
    expect(Object.fromEntries(beks.map((b) => [b.name, b['kek-state']]))).toEqual({
      'bek-fine': 'ok',
      'bek-foreign': 'no-access',
      'bek-gone': 'unknown'
    })
    // Each, with its reason, as a warning and in the summary.
    expect(result.stdout).toMatch(
      /::warning::https:\/\/kek-gone-vault\.vault\.azure\.net\/keys\/kek\/a{32}: unknown, 1 enabled BEK version\(s\): its vault/
    )
    expect(result.summary).toContain('another tenant')
  })

  test('fail-on: at-risk fails naming them, after the outputs are set', async () => {
    const result = await inventory(STRANDED, { 'fail-on': 'at-risk' })
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toContain('2 enabled BEK version(s) depend on KEK versions that ADE cannot unwrap with')
    expect(error).toContain('(unknown)')
    expect(error).not.toContain("Input '")
    expect(result.outputs['at-risk-count']).toBe('2')
  })
})

describe('expired and not-yet-valid KEK versions still unwrap', () => {
  test('reported as facts with a warning, not as at risk', async () => {
    const result = await inventory(DATED, { 'fail-on': 'at-risk' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.outputs['at-risk-count']).toBe('0')
    const keks = kekVersions(result)
    expect(keks[kid(DATED, 'kek-expired', kek.expired)]).toMatchObject({ state: 'expired', 'bek-count': 1 })
    expect(keks[kid(DATED, 'kek-future', kek.future)]).toMatchObject({ state: 'not-yet-valid', 'bek-count': 1 })
    const warnings = result.stdout.split('\n').filter((line) => line.startsWith('::warning::'))
    expect(warnings).toHaveLength(2)
    for (const warning of warnings) {
      expect(warning).toContain('Key Vault still unwraps with it, so the disks still boot')
      expect(warning).not.toMatch(/no longer unwraps|will not unwrap/)
    }
  })
})

describe('fail-on after a rewrap', () => {
  test('not-current judges each BEK by its latest version; at-risk still judges every enabled version', async () => {
    const notCurrent = await inventory(ROTATED, { 'fail-on': 'not-current' })
    expect(notCurrent.exitCode).toBe(1)
    const [error, ...more] = errors(notCurrent)
    expect(more).toEqual([])
    // bek-b lags; bek-a was rewrapped (its v1 version stays enabled, by design) and does not count.
    expect(error).toContain(
      `1 BEK(s) have their latest version on a KEK version that is not its key's current, working version: ${kid(ROTATED, 'kek', kek.v1)} (not-current)`
    )
    // bek-c's old version on the disabled KEK is at risk whatever its latest version is on.
    expect(error).toContain(
      `1 enabled BEK version(s) depend on KEK versions that ADE cannot unwrap with at the next boot: ${kid(ROTATED, 'kek-off', kek.off)} (disabled)`
    )

    const atRisk = await inventory(ROTATED, { 'fail-on': 'at-risk' })
    expect(atRisk.exitCode).toBe(1)
    expect(errors(atRisk).join('\n')).not.toContain('not-current')
  })

  test('once every BEK is rewrapped, not-current passes though the old versions stay enabled', async () => {
    const kv = world.azure.keyVault
    kv.setSecret(ROTATED, 'bek-b', { value: 'b2', contentType: 'Wrapped BEK', tags: bekTags(kid(ROTATED, 'kek', kek.v2)) })
    kv.deleteSecret(ROTATED, 'bek-c') // its version on the disabled KEK is at risk whatever else
    const passing = await inventory(ROTATED, { 'fail-on': 'not-current' })
    expect(errors(passing)).toEqual([])
    expect(passing.exitCode).toBe(0)
    const beks = JSON.parse(passing.outputs.beks!) as Array<{ name: string; enabled: boolean; 'kek-state': string }>
    expect(beks.filter((b) => b.enabled && b['kek-state'] === 'not-current').map((b) => b.name)).toEqual(['bek-a', 'bek-b'])
  })
})
