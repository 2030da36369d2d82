/**
 * Issue 22: copy-keys end to end on the bundle. 40 BEKs (OS and data disks, Windows .BEK files
 * and Linux passphrases) in an access-policy premium vault with an RSA-HSM KEK are copied to an
 * RBAC-only vault in another region, create-kek making the target KEK; every target value
 * unwraps to the source's bytes, tags kept with the new KEK URL, only unwrapkey and wrapkey used;
 * sync re-runs write nothing, or exactly what changed; a lost PUT answer stores one version.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes, randomUUID } from 'node:crypto'
import { buildBekFile } from '../../fixtures/bek-file.ts'
import { errors, useWorld } from '../world.ts'
import { CopyWorld, SOURCE, STANDARD, TARGET, TARGET_KEK } from './copy-world.ts'

const world = useWorld()
const c = new CopyWorld(world)
const names: string[] = []

beforeAll(async () => {
  await c.provision()
  for (let vm = 0; vm < 10; vm++) {
    const windows = vm % 2 === 0
    for (let disk = 0; disk < 4; disk++) {
      const name = `${windows ? 'win' : 'lnx'}-vm${vm}-${disk === 0 ? 'os' : `data${disk}`}`
      const algorithm = (['RSA-OAEP', 'RSA-OAEP-256', 'none', 'RSA-OAEP'] as const)[disk]!
      const extraTags = { MachineName: `vm${vm}`, VolumeType: disk === 0 ? 'OS' : 'Data' }
      if (windows) {
        const guid = randomUUID().toUpperCase()
        c.seed(name, { bytes: buildBekFile({ guid }).bytes, fileName: `${guid}.BEK`, algorithm, extraTags })
      } else {
        // ADE's Linux passphrase: base64 text of random bytes.
        c.seed(name, { bytes: Buffer.from(randomBytes(48).toString('base64')), algorithm, extraTags })
      }
      names.push(name)
    }
  }
})

const urls = (list: readonly string[]): string => list.map((name) => c.secretUrl(name)).join('\n')
const vaultOps = (host: string): string[] =>
  world.azure.requests.filter((r) => r.host.startsWith(`${host}.vault.`)).map((r) => r.operation ?? `${r.method} ${r.path}`)
const allVaultOps = (): string[] => world.azure.requests.filter((r) => r.host.includes('.vault.')).map((r) => r.operation ?? r.method)

describe('copy-keys: bad inputs are refused before any request', () => {
  test.each([
    ['a Managed HSM secret', { 'secret-url': 'https://hsm1.managedhsm.azure.net/secrets/a' }, /Input 'secret-url':.*Managed HSM/],
    [
      'a host outside the cloud',
      { 'secret-url': 'https://bek-src.vault.example.com/secrets/a' },
      /Input 'secret-url':.*not a Key Vault host/
    ],
    [
      'two sources to one target name',
      { 'secret-url': `${c.secretUrl('a')}\nhttps://other-vault.vault.azure.net/secrets/a` },
      /Input 'secret-url':.*would both be stored as 'a'/
    ],
    ['a secret-name count that does not match', { 'secret-url': urls(['a', 'b']), 'secret-name': 'x' }, /Input 'secret-name': has 1 line/],
    [
      'create-kek with target-kek-url',
      { 'secret-url': urls(['a']), 'create-kek': 'true', 'target-kek-url': `https://${TARGET}.vault.azure.net/keys/k` },
      /Input 'create-kek'/
    ],
    [
      'no target KEK',
      { 'secret-url': urls(['a']), 'target-kek-name': '' },
      /Input 'target-kek-name': one of target-kek-name or target-kek-url is required/
    ]
  ])('%s', async (_, inputs, message) => {
    const result = await c.copy({ 'target-kek-name': TARGET_KEK, ...inputs })
    expect(result.exitCode).not.toBe(0)
    expect(errors(result)).toHaveLength(1)
    expect(errors(result)[0]).toMatch(message)
    expect(allVaultOps()).toEqual([])
  })
})

describe('copy-keys', () => {
  test('a target KEK that does not exist, without create-kek: named with the inputs to fix, nothing stored', async () => {
    const result = await c.copy({ 'secret-url': urls(names.slice(0, 1)), 'target-kek-name': 'no-such-kek' })
    expect(result.exitCode).not.toBe(0)
    expect(errors(result).join('\n')).toMatch(
      /no-such-kek was not found\. Check target-kek-name, target-kek-version or target-kek-url, or set create-kek: true/
    )
    expect(allVaultOps().filter((op) => op === 'setSecret' || op === 'createKey')).toEqual([])
    expect(JSON.parse(result.outputs['copied']!)).toEqual([])
  })

  test('create-kek refuses an HSM key on a standard vault: named, nothing created or stored', async () => {
    const result = await c.copy({
      'secret-url': urls(names.slice(0, 2)),
      'target-key-vault': STANDARD,
      'target-kek-name': TARGET_KEK,
      'create-kek': 'true'
    })
    expect(result.exitCode).not.toBe(0)
    expect(result.stdout).toMatch(/RSA-HSM 3072-bit.*bek-dr-std refuses HSM keys.*never replaced by a software one/)
    expect(world.azure.keyVault.getKey(STANDARD, TARGET_KEK)).toBeUndefined()
    expect(vaultOps(STANDARD)).not.toContain('setSecret')
    expect(JSON.parse(result.outputs['copied']!)).toEqual([])
  })

  test('40 BEKs to an RBAC vault in another region: create-kek makes RSA-HSM 3072, each target unwraps to the source bytes, tags kept', async () => {
    const result = await c.copy({ 'secret-url': urls(names), 'target-kek-name': TARGET_KEK, 'create-kek': 'true' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    const kek = world.azure.keyVault.getKey(TARGET, TARGET_KEK)!
    expect((kek['key'] as { kty: string }).kty).toBe('RSA-HSM')
    expect(Buffer.from((kek['key'] as { n: string }).n, 'base64url').length * 8).toBe(3072)
    const kid = `https://${TARGET}.vault.azure.net/keys/${TARGET_KEK}/${kek.version}`
    const copied = JSON.parse(result.outputs['copied']!) as Array<Record<string, string>>
    expect(copied.map((entry) => entry['source-secret-url']!.replace(/\/[0-9a-f]{32}$/, ''))).toEqual(names.map((n) => c.secretUrl(n)))
    for (const [i, name] of names.entries()) {
      const versions = world.azure.keyVault.getSecretVersions(TARGET, name) as Array<{
        id: string
        value: string
        contentType: string
        tags: Record<string, string>
      }>
      expect(versions).toHaveLength(1)
      const [target] = versions
      const source = world.versions(name, SOURCE).at(-1)!
      expect(copied[i]).toEqual({ 'source-secret-url': source.id, 'secret-url': target!.id, state: 'stored', 'kek-url': kid })
      const kept = { ...source.tags! }
      delete kept['DiskEncryptionKeyEncryptionKeyURL']
      expect(target!.tags).toEqual({
        ...kept,
        DiskEncryptionKeyEncryptionKeyURL: kid,
        CreatedBy: expect.stringMatching(/\/actions\/runs\/\d+\/attempts\/\d+$/)
      })
      expect(target!.contentType).toBe('Wrapped BEK')
      const algorithm = target!.tags['DiskEncryptionKeyEncryptionAlgorithm'] ?? 'RSA-OAEP'
      expect({ name, same: c.unwrapTarget(target!.value, algorithm).equals(c.plaintext.get(name)!) }).toEqual({ name, same: true })
    }
    const ops = allVaultOps()
    expect(ops.filter((op) => op === 'unwrapKey')).toHaveLength(80) // 40 in the source, 40 verifies in the target
    expect(vaultOps(SOURCE).filter((op) => op === 'unwrapKey')).toHaveLength(40)
    expect(vaultOps(TARGET).filter((op) => op === 'wrapKey')).toHaveLength(40)
    expect(ops.filter((op) => /encrypt|decrypt/i.test(op))).toEqual([])
    expect(JSON.parse(result.outputs['skipped']!)).toEqual([])
  })

  test('dry-run: each source unwrapped and checked, wrapKey proven once with a throw-away key, nothing stored', async () => {
    c.seed('dry-a')
    c.seed('dry-b')
    const result = await c.copy({ 'secret-url': urls(['dry-a', 'dry-b']), 'target-kek-name': TARGET_KEK, 'dry-run': 'true' })
    expect(errors(result)).toEqual([])
    expect(result.stdout).toMatch(/Would copy .*dry-a/)
    expect(vaultOps(SOURCE).filter((op) => op === 'unwrapKey')).toHaveLength(2)
    expect(vaultOps(TARGET).filter((op) => op === 'wrapKey')).toHaveLength(1)
    expect(allVaultOps().filter((op) => op === 'setSecret' || op === 'createKey')).toEqual([])
    expect(world.azure.keyVault.getSecretVersions(TARGET, 'dry-a')).toEqual([])
    expect(JSON.parse(result.outputs['copied']!)).toEqual([])
  })

  test('a re-run with sync writes nothing: every target unchanged', async () => {
    const result = await c.copy({ 'secret-url': urls(names), 'target-kek-name': TARGET_KEK, 'if-exists': 'sync' })
    expect(result.exitCode).toBe(0)
    expect(allVaultOps().filter((op) => op === 'setSecret' || op === 'wrapKey' || op === 'createKey')).toEqual([])
    expect((JSON.parse(result.outputs['copied']!) as Array<{ state: string }>).map((e) => e.state)).toEqual(names.map(() => 'unchanged'))
  })

  test('if-exists: fail names each existing target, the rest go on, the step fails listing them', async () => {
    c.seed('fresh-one')
    const result = await c.copy({ 'secret-url': urls([names[0]!, 'fresh-one']), 'target-kek-name': TARGET_KEK })
    expect(result.exitCode).not.toBe(0)
    expect(errors(result).some((line) => line.includes(names[0]!) && /exists already.*if-exists: sync/.test(line))).toBe(true)
    expect(JSON.parse(result.outputs['copied']!)).toEqual([expect.objectContaining({ state: 'stored' })])
    expect(JSON.parse(result.outputs['skipped']!)).toEqual([expect.objectContaining({ 'source-secret-url': c.secretUrl(names[0]!) })])
  })

  test('after a source rewrap (same bytes, new KEK version) and 3 changed keys, sync stores exactly the changed ones', async () => {
    await c.rotateSourceKek()
    const rewrapped = names.slice(0, 5)
    const changed = names.slice(5, 8)
    for (const name of rewrapped) {
      const tags = world.versions(name, SOURCE).at(-1)!.tags!
      const algorithm = (tags['DiskEncryptionKeyEncryptionAlgorithm'] ?? 'none') as 'RSA-OAEP'
      c.seed(name, { bytes: c.plaintext.get(name)!, fileName: tags['DiskEncryptionKeyFileName']!, algorithm })
    }
    for (const name of changed) c.seed(name, { bytes: Buffer.from(randomBytes(48).toString('base64')) })
    const result = await c.copy({ 'secret-url': urls(names.slice(0, 10)), 'target-kek-name': TARGET_KEK, 'if-exists': 'sync' })
    expect(errors(result)).toEqual([])
    const states = (JSON.parse(result.outputs['copied']!) as Array<{ state: string }>).map((e) => e.state)
    expect(states).toEqual(names.slice(0, 10).map((name) => (changed.includes(name) ? 'stored' : 'unchanged')))
    expect(vaultOps(TARGET).filter((op) => op === 'setSecret')).toHaveLength(3)
    for (const name of changed) {
      const latest = (world.azure.keyVault.getSecretVersions(TARGET, name) as Array<{ value: string }>).at(-1)!
      expect(c.unwrapTarget(latest.value, 'RSA-OAEP').equals(c.plaintext.get(name)!)).toBe(true)
    }
  })

  test('a lost answer to the target PUT stores one version', async () => {
    c.seed('lost-answer')
    world.azure.faults.add({
      host: new RegExp(`^${TARGET}\\.`),
      method: 'PUT',
      path: /\/secrets\/lost-answer$/i,
      resetAfterHandling: true,
      times: 1
    })
    const result = await c.copy({ 'secret-url': urls(['lost-answer']), 'target-kek-name': TARGET_KEK })
    expect(errors(result)).toEqual([])
    expect(world.azure.keyVault.getSecretVersions(TARGET, 'lost-answer')).toHaveLength(1)
    const [entry] = JSON.parse(result.outputs['copied']!) as Array<{ 'secret-url': string }>
    expect(entry!['secret-url']).toBe((world.azure.keyVault.getSecretVersions(TARGET, 'lost-answer')[0] as { id: string }).id)
  })

  test('a source whose KEK is in a vault no input names: fails, named, and no token goes there', async () => {
    const kek = world.azure.keyVault.getKey('bek-e2e', 'disk-kek')!
    world.azure.keyVault.setSecret(SOURCE, 'kek-elsewhere', {
      value: 'AAAA',
      contentType: 'Wrapped BEK',
      tags: {
        DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
        DiskEncryptionKeyEncryptionKeyURL: kek['key'] ? (kek['key'] as { kid: string }).kid : ''
      }
    })
    const result = await c.copy({ 'secret-url': urls(['kek-elsewhere']), 'target-kek-name': TARGET_KEK })
    expect(result.exitCode).not.toBe(0)
    expect(errors(result).join('\n')).toMatch(
      /kek-elsewhere: its KEK https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek\/[0-9a-f]{32} is in https:\/\/bek-e2e\.vault\.azure\.net, a vault no secret-url/
    )
    expect(world.azure.requests.filter((r) => r.host.startsWith('bek-e2e.'))).toEqual([])
    expect(world.azure.connects.filter((r) => r.target.startsWith('bek-e2e.'))).toEqual([])
  })

  test("a source whose copy would pass Key Vault's 15 tags with CreatedBy fails, named; the rest go on", async () => {
    const extraTags = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`Tag${i}`, `v${i}`]))
    c.seed('many-tags', { extraTags })
    c.seed('few-tags')
    const result = await c.copy({ 'secret-url': urls(['many-tags', 'few-tags']), 'target-kek-name': TARGET_KEK })
    expect(result.exitCode).not.toBe(0)
    expect(errors(result).join('\n')).toMatch(/many-tags: Its copy would need 16 tags with CreatedBy, more than the 15 Key Vault allows/)
    expect(world.azure.keyVault.getSecretVersions(TARGET, 'many-tags')).toEqual([])
    expect(JSON.parse(result.outputs['copied']!)).toEqual([expect.objectContaining({ state: 'stored' })])
  })

  test('a BEK without a KEK is skipped with the reason', async () => {
    world.azure.keyVault.setSecret(SOURCE, 'plain-bek', {
      value: randomBytes(32).toString('base64'),
      contentType: 'BEK',
      tags: { DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName' }
    })
    const result = await c.copy({ 'secret-url': urls(['plain-bek']), 'target-kek-name': TARGET_KEK })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs['skipped']!)).toEqual([
      { 'source-secret-url': c.secretUrl('plain-bek'), reason: expect.stringMatching(/without a KEK/) }
    ])
    expect(vaultOps(TARGET)).not.toContain('setSecret')
  })
})
