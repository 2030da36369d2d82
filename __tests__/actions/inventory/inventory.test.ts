/**
 * The inventory action, run from its bundle against the local Azure: a vault with more than a
 * page of secrets, several versions per BEK, one KEK version in every state, unrelated
 * secrets, and fail-on both ways.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { KEK, VAULT, useWorld, errors } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'inventory', 'index.js')
const OTHER = 'kek-elsewhere'
const CLEAN = 'bek-rotated'

const kid = (key: string, version: string, vault = VAULT): string => `https://${vault}.vault.azure.net/keys/${key}/${version}`
const bekTags = (kekUrl: string): Record<string, string> => ({
  DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
  DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
  DiskEncryptionKeyEncryptionKeyURL: kekUrl
})

const kek: Record<string, string> = {}

const made: { wrapped?: string; plaintext?: Buffer } = {}

/** A run of the inventory bundle, debug on, checked for leaks (tokens, the one real BEK) before anything else. */
async function inventory(inputs: Record<string, string> = {}): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': VAULT, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    debug: true,
    timeoutMs: 60_000
  })
  expect(leaks(result, { plaintexts: [made.plaintext!], tokens: issuedTokens(world.azure), wrapped: [made.wrapped!] })).toEqual([])
  return result
}

beforeAll(async () => {
  const kv = world.azure.keyVault
  const day = 86_400_000
  kek.v1 = world.kekVersion
  // One BEK made by the root action, which tags it with the run that made it (CreatedBy).
  const byAction = await world.run({ 'secret-name': 'bek-made', 'os-type': 'linux' })
  expect(byAction.exitCode).toBe(0)
  made.wrapped = world.versions('bek-made')[0]!.value
  made.plaintext = world.unwrapLocally(made.wrapped, 'RSA-OAEP')
  kek.v2 = (await kv.createKey(VAULT, KEK, { size: 3072 })).version // the rotation: v1 is no longer current
  kek.disabled = (await kv.createKey(VAULT, 'kek-disabled', { size: 2048 })).version
  kv.updateKey(VAULT, 'kek-disabled', { enabled: false })
  kek.expired = (await kv.createKey(VAULT, 'kek-expired', { size: 2048, exp: new Date(Date.now() - day) })).version
  kek.future = (await kv.createKey(VAULT, 'kek-future', { size: 2048, nbf: new Date(Date.now() + day) })).version
  kek.missing = 'f'.repeat(32)
  kv.createVault(OTHER)
  kek.noAccess = (await kv.createKey(OTHER, 'kek-locked', { size: 2048 })).version

  // 30 BEKs made under v1, each rewrapped once onto v2 (as after a rotation): two pages of secrets.
  for (let i = 0; i < 30; i++) {
    const name = `bek-${String(i).padStart(2, '0')}`
    kv.setSecret(VAULT, name, { value: 'x', contentType: 'Wrapped BEK', tags: bekTags(kid(KEK, kek.v1)) })
    kv.setSecret(VAULT, name, { value: 'y', contentType: 'Wrapped BEK', tags: bekTags(kid(KEK, kek.v2)) })
  }
  // One BEK with 27 versions (two pages of versions), the oldest on each broken KEK version.
  const history = [
    kid('kek-disabled', kek.disabled),
    kid('kek-expired', kek.expired),
    kid('kek-future', kek.future),
    kid('kek-gone', kek.missing),
    kid('kek-locked', kek.noAccess, OTHER)
  ]
  for (const url of history) kv.setSecret(VAULT, 'bek-history', { value: 'z', tags: bekTags(url) }) // tag only, no content type
  for (let i = 0; i < 22; i++)
    kv.setSecret(VAULT, 'bek-history', { value: 'z', contentType: 'Wrapped BEK', tags: bekTags(kid(KEK, kek.v2)) })
  // A disabled BEK version on the disabled KEK: listed, but not at risk.
  kv.setSecret(VAULT, 'bek-retired', {
    value: 'r',
    contentType: 'Wrapped BEK',
    tags: bekTags(kid('kek-disabled', kek.disabled)),
    enabled: false
  })
  // A tag that is no key identifier, with markup in it (and in its CreatedBy).
  kv.setSecret(VAULT, 'bek-odd', {
    value: 'o',
    contentType: 'Wrapped BEK',
    tags: { ...bekTags('<img src=x onerror=alert(1)>'), CreatedBy: '<script>x</script>' }
  })
  // Unrelated secrets.
  kv.setSecret(VAULT, 'db-password', { value: 'p' })
  kv.setSecret(VAULT, 'tls-cert', { value: 'c', contentType: 'application/x-pem-file', tags: { owner: 'web' } })

  // A vault where the only finding is that the BEKs still use the previous KEK version.
  kv.createVault(CLEAN)
  kv.grant(CLEAN, world.objectId, 'Key Vault Secrets User')
  kv.grant(CLEAN, world.objectId, 'Key Vault Crypto Service Encryption User')
  const old = (await kv.createKey(CLEAN, 'kek', { size: 2048 })).version
  const current = (await kv.createKey(CLEAN, 'kek', { size: 2048 })).version
  kv.setSecret(CLEAN, 'bek-a', { value: 'a', contentType: 'Wrapped BEK', tags: bekTags(kid('kek', old, CLEAN)) })
  kv.setSecret(CLEAN, 'bek-b', { value: 'b', contentType: 'Wrapped BEK', tags: bekTags(kid('kek', current, CLEAN)) })
}, 60_000)

describe('inventory', () => {
  test('reports every KEK version with its state, every BEK version, at-risk first', async () => {
    const result = await inventory()
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('::debug::') // debug logging really is on

    const keks = JSON.parse(result.outputs['kek-versions']!) as Array<{ 'kek-url': string; state: string; 'bek-count': number }>
    expect(Object.fromEntries(keks.map((k) => [k['kek-url'], [k.state, k['bek-count']]]))).toEqual({
      [kid(KEK, kek.v1)]: ['not-current', 31],
      [kid(KEK, kek.v2)]: ['ok', 52],
      [kid('kek-disabled', kek.disabled)]: ['disabled', 1],
      [kid('kek-expired', kek.expired)]: ['expired', 1],
      [kid('kek-future', kek.future)]: ['not-yet-valid', 1],
      [kid('kek-gone', kek.missing)]: ['missing', 1],
      [kid('kek-locked', kek.noAccess, OTHER)]: ['no-access', 1],
      '<img src=x onerror=alert(1)>': ['missing', 1]
    })
    // At-risk versions first, then those that still unwrap but need attention, then ok.
    const order = keks.map((k) => k.state)
    expect(order.slice(0, 4).sort()).toEqual(['disabled', 'missing', 'missing', 'no-access'])
    expect(order.slice(4, 7).sort()).toEqual(['expired', 'not-current', 'not-yet-valid'])
    expect(order.at(-1)).toBe('ok')
    // Expired and not-yet-valid versions still unwrap: facts, not risks.
    expect(result.outputs['at-risk-count']).toBe('4')

    const beks = JSON.parse(result.outputs.beks!) as Array<Record<string, unknown>>
    expect(beks).toHaveLength(30 * 2 + 27 + 1 + 1 + 1)
    expect(beks.some((b) => /db-password|tls-cert/.test(String(b['secret-url'])))).toBe(false)
    const retired = beks.find((b) => b.name === 'bek-retired')
    expect(retired).toMatchObject({ enabled: false, 'kek-state': 'disabled', 'kek-url': kid('kek-disabled', kek.disabled) })
    const first = beks.find((b) => b.name === 'bek-00' && b['kek-url'] === kid(KEK, kek.v1))!
    expect(first).toEqual({
      name: 'bek-00',
      'secret-url': expect.stringMatching(new RegExp(`^https://${VAULT}\\.vault\\.azure\\.net/secrets/bek-00/[0-9a-f]{32}$`)),
      'kek-url': kid(KEK, kek.v1),
      algorithm: 'RSA-OAEP',
      'file-name': 'LinuxPassPhraseFileName',
      enabled: true,
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'created-by': null,
      'kek-state': 'not-current'
    })
    // The root action's BEK names the run that made it.
    const runUrl = `https://github.com/contoso/infra/actions/runs/${world.azure.github.currentClaims()['run_id']}/attempts/1`
    expect(beks.find((b) => b.name === 'bek-made')).toMatchObject({ 'kek-url': kid(KEK, kek.v1), 'created-by': runUrl })
    expect(beks.find((b) => b.name === 'bek-odd')).toMatchObject({ 'created-by': '<script>x</script>' })
    // Every secret version is listed: each BEK-versions URL appears once.
    expect(new Set(beks.map((b) => b['secret-url'])).size).toBe(beks.length)

    // Reads only; each KEK version read once, each key's current version once; both lists paged.
    const vaultRequests = world.azure.requests.filter((r) => r.host.includes('.vault.'))
    expect(vaultRequests.every((r) => r.method === 'GET')).toBe(true)
    const keyReads = vaultRequests.filter((r) => r.operation === 'getKey').map((r) => r.path.split('?')[0]!.toLowerCase())
    expect(keyReads.length).toBe(new Set(keyReads).size)
    expect(keyReads).toHaveLength(7 + 6)
    expect(vaultRequests.filter((r) => r.operation === 'listSecrets')).toHaveLength(2)
    expect(vaultRequests.filter((r) => r.operation === 'listSecretVersions' && r.path.includes('bek-history'))).toHaveLength(2)

    // The summary: at-risk rows before the rest, nothing from the vault unescaped.
    const summary = result.summary
    expect(summary.indexOf('kek-disabled')).toBeLessThan(summary.indexOf(kid(KEK, kek.v1)))
    expect(summary.indexOf(kid(KEK, kek.v1))).toBeLessThan(summary.indexOf(kid(KEK, kek.v2)))
    expect(summary).not.toContain('<img')
    expect(summary).toContain('&#60;img')
    expect(summary).toContain(runUrl)
    expect(summary).not.toContain('<script>')
    expect(result.stdout).toMatch(/::warning::.*kek-disabled.*disabled, 1 enabled BEK version\(s\)\. VMs that need it cannot boot/)
    expect(result.stdout).toMatch(/::warning::.*kek-locked.*no-access.*Key Vault Crypto Service Encryption User/)
  })

  test('fail-on: at-risk fails the step naming the broken versions', async () => {
    const result = await inventory({ 'fail-on': 'at-risk' })
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toContain('4 enabled BEK version(s) depend on KEK versions that ADE cannot unwrap with')
    expect(error).toContain(`${kid('kek-disabled', kek.disabled)} (disabled)`)
    expect(error).not.toContain(kid('kek-expired', kek.expired))
    expect(error).not.toContain(kid(KEK, kek.v1))
    expect(result.outputs['at-risk-count']).toBe('4')
  })

  test('fail-on: a vault whose BEKs only lag the rotation passes at-risk and fails not-current', async () => {
    const passing = await inventory({ 'key-vault': CLEAN, 'fail-on': 'at-risk' })
    expect(errors(passing)).toEqual([])
    expect(passing.exitCode).toBe(0)
    expect(passing.outputs['at-risk-count']).toBe('0')
    expect(JSON.parse(passing.outputs['kek-versions']!).map((k: { state: string }) => k.state)).toEqual(['not-current', 'ok'])

    const failing = await inventory({ 'key-vault': CLEAN, 'fail-on': 'not-current' })
    expect(failing.exitCode).toBe(1)
    const [error] = errors(failing)
    expect(error).toContain("1 BEK(s) have their latest version on a KEK version that is not its key's current, working version")
    expect(error).toContain('Rewrap them')
  })

  test('a bad fail-on fails before any request, naming the input', async () => {
    const result = await inventory({ 'fail-on': 'sometimes' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual(["::error::Input 'fail-on': 'sometimes' is not allowed; use one of never, at-risk, not-current"])
    expect(world.azure.requests).toHaveLength(0)
  })

  test('without list permission, the error names the role and the access policy', async () => {
    const result = await inventory({ 'key-vault': OTHER })
    expect(result.exitCode).toBe(1)
    const [error] = errors(result)
    expect(error).toContain("may not list the secrets in kek-elsewhere.vault.azure.net. Grant it the RBAC role 'Key Vault Secrets User'")
    expect(error).toContain("'secrets: list'")
  })
})
