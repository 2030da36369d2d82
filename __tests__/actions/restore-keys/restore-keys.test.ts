/**
 * restore-keys, run from its bundle against the local Azure: an ADE VM's KEK and BEK, lost after
 * an Azure Backup, come back from the recovery point or the config file with exact tags, and
 * unlock real disks the way the platform does (cryptsetup, through the ADE stand-in); reuse,
 * soft-deleted names, a BEK without a KEK, lost answers and a wrong algorithm each end as they must.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunActionResult } from '../../../emulator/runner.ts'
import { announceSkip } from '../../interop/tools.ts'
import { BITLOCKER_GUID, findCryptsetup, unpackBitlockerFixture } from '../disk-tools.ts'
import { SOURCE, writeConfigFile, type BackedUpVm } from './backed-up-vm.ts'
import { failed, kekUrl, ok, useRestoreWorld, written as writes } from './restore-world.ts'

const { world, scratch, vm, restore, ade, subscriptionId: sub } = useRestoreWorld()
const { cryptsetup, missing } = await findCryptsetup()
const bitlocker = await unpackBitlockerFixture(scratch)
const written = () => writes(world)
const adeTags = (v: BackedUpVm, fileName: string, algorithm = 'RSA-OAEP') => ({
  DiskEncryptionKeyFileName: fileName,
  DiskEncryptionKeyEncryptionAlgorithm: algorithm,
  DiskEncryptionKeyEncryptionKeyURL: kekUrl(v)
})

describe('from a recovery point (Linux)', () => {
  let linux: BackedUpVm
  let first: RunActionResult
  beforeAll(async () => {
    linux = await vm({ osType: 'Linux' })
    first = await restore({ 'recovery-point-id': linux.recoveryPointId, 'subscription-id': sub(), 'machine-name': 'vm-linux' })
  }, 60_000)

  test('the KEK and the secret are back: the backup versions, content type and exact tags, the value as the backup holds it', () => {
    ok(first)
    const secretUrl = `https://${SOURCE}.vault.azure.net/secrets/${linux.secretName}/`
    expect(first.outputs['kek-url']).toBe(kekUrl(linux))
    expect(first.outputs['secret-url']).toMatch(new RegExp(`^${secretUrl}[0-9a-f]{32}$`))
    expect(first.outputs['kek-restored']).toBe('true')
    expect(first.outputs['secret-restored']).toBe('true')
    expect(world.azure.keyVault.getKey(SOURCE, linux.kekName)?.version).toBe(linux.kekVersion)
    const [stored, ...more] = world.versions(linux.secretName, SOURCE)
    expect(more).toEqual([])
    expect(stored!.value).toBe(linux.wrapped)
    expect(stored!.contentType).toBe('Wrapped BEK')
    expect(stored!.tags).toEqual({ ...adeTags(linux, 'LinuxPassPhraseFileName'), MachineName: 'vm-linux' })
    const vaultId = `/subscriptions/${sub()}/resourceGroups/rg-${SOURCE}/providers/Microsoft.KeyVault/vaults/${SOURCE}`
    expect(first.outputs['key-vault-id']).toBe(vaultId)
    expect(JSON.parse(first.outputs['encryption-settings']!)).toEqual({
      diskEncryptionKey: { secretUrl: first.outputs['secret-url'], sourceVault: { id: vaultId } },
      keyEncryptionKey: { keyUrl: kekUrl(linux), sourceVault: { id: vaultId } }
    })
    expect(first.summary).toContain('Next step: create the VM from the restored disks')
    expect(first.summary).toContain('-DiskEncryptionKeyUrl')
  })

  test('the platform-style unwrap opens a real LUKS2 image formatted with the original passphrase (cryptsetup)', async () => {
    if (!cryptsetup) return announceSkip('restore-keys LUKS2', missing!)
    const passphrase = join(scratch, 'linux.key')
    writeFileSync(passphrase, linux.plaintext, { mode: 0o600 })
    const image = join(scratch, 'linux.img')
    await cryptsetup.luksFormat(image, passphrase)
    rmSync(passphrase)
    const booted = await ade().boot({ secretUrl: first.outputs['secret-url']!, keyUrl: first.outputs['kek-url']! }, { osType: 'linux' })
    expect(booted.fileName).toBe('LinuxPassPhraseFileName')
    expect(await cryptsetup.luksOpen(image, booted.path)).toBe(0)
  }, 60_000)

  test('a second run with if-exists: reuse writes nothing and reports both reused', async () => {
    const again = ok(await restore({ 'recovery-point-id': linux.recoveryPointId, 'if-exists': 'reuse', 'machine-name': 'vm-linux' }))
    expect(written()).toEqual([])
    expect(again.outputs['kek-restored']).toBe('false')
    expect(again.outputs['secret-restored']).toBe('false')
    expect(again.outputs['secret-url']).toBe(first.outputs['secret-url'])
    expect(world.versions(linux.secretName, SOURCE)).toHaveLength(1)
  }, 60_000)

  test('with if-exists: fail it fails naming the secret that exists, and writes nothing', async () => {
    const line = failed(await restore({ 'recovery-point-id': linux.recoveryPointId, 'machine-name': 'vm-linux' }))
    expect(line).toContain(`Secret '${linux.secretName}' exists in ${SOURCE}`)
    expect(line).toContain('if-exists: reuse')
    expect(written()).toEqual([])
  }, 60_000)

  test('a secret with another value is never overwritten: the step names what differs', async () => {
    const other = await vm({ osType: 'Linux' })
    world.azure.keyVault.setSecret(SOURCE, other.secretName, { value: 'c29tZXRoaW5nIGVsc2U', contentType: 'Wrapped BEK' })
    const line = failed(await restore({ 'recovery-point-id': other.recoveryPointId, 'if-exists': 'reuse' }))
    expect(line).toContain("its value is not the backup's wrapped BEK")
    expect(line).toContain('It was not overwritten')
    expect(line).toContain(`This run wrote: the KEK ${kekUrl(other)} (restored)`)
    expect(world.versions(other.secretName, SOURCE).map((v) => v.value)).toEqual(['c29tZXRoaW5nIGVsc2U'])
  }, 60_000)
})

describe('from a config file (Windows, a real Windows-made startup key)', () => {
  test("exact tags, the KEK URL without the backup's :443, and the BitLocker volume opens (cryptsetup bitlkOpen)", async () => {
    if ('missing' in bitlocker) return announceSkip('restore-keys BitLocker', bitlocker.missing)
    const windows = await vm({
      osType: 'Windows',
      plaintext: readFileSync(bitlocker.bek),
      secretName: BITLOCKER_GUID,
      keyUrlWithPort: true
    })
    expect(windows.keyAndSecret.kekDetails['keyUrl']).toContain('.vault.azure.net:443/keys/')
    const config = writeConfigFile(scratch, windows)
    const result = ok(await restore({ 'encryption-config-file': config, 'os-type': 'windows' }))
    expect(result.outputs['kek-url']).toBe(kekUrl(windows))
    const [stored] = world.versions(windows.secretName, SOURCE)
    expect(stored!.contentType).toBe('Wrapped BEK')
    expect(stored!.tags).toEqual(adeTags(windows, `${BITLOCKER_GUID}.BEK`))
    if (!cryptsetup) return announceSkip('restore-keys BitLocker', missing!)
    const booted = await ade().boot({ secretUrl: result.outputs['secret-url']!, keyUrl: result.outputs['kek-url']! }, { osType: 'windows' })
    expect(booted.fileName).toBe(`${BITLOCKER_GUID}.BEK`)
    expect(await cryptsetup.bitlkOpen(bitlocker.volume, booted.path)).toBe(0)
  }, 60_000)
})

describe('soft-deleted names and a BEK without a KEK', () => {
  test('a soft-deleted KEK blocks the restore: the step names the commands; with recover-deleted both come back', async () => {
    const v = await vm({ osType: 'Linux', lost: 'soft' })
    const line = failed(await restore({ 'recovery-point-id': v.recoveryPointId }))
    expect(line).toContain(`az keyvault key recover --vault-name ${SOURCE} --name ${v.kekName}`)
    expect(line).toContain(`az keyvault key purge --vault-name ${SOURCE} --name ${v.kekName}`)
    expect([line.includes('recover-deleted: true'), written()]).toEqual([true, []])
    const result = ok(await restore({ 'recovery-point-id': v.recoveryPointId, 'recover-deleted': 'true' }))
    expect(result.outputs['kek-restored']).toBe('true')
    expect(result.outputs['secret-restored']).toBe('true')
    expect(result.outputs['secret-url']).toBe(`https://${SOURCE}.vault.azure.net/secrets/${v.secretName}/${v.secretVersion}`)
    expect([world.azure.keyVault.isKeyDeleted(SOURCE, v.kekName), world.azure.keyVault.isSecretDeleted(SOURCE, v.secretName)]).toEqual([
      false,
      false
    ])
    expect(world.versions(v.secretName, SOURCE)).toHaveLength(1)
  }, 60_000)

  test('without a KEK: POST /secrets/restore, read back as a BEK; kek-url empty; a reuse run writes nothing', async () => {
    const v = await vm({ osType: 'Linux', kek: false })
    const result = ok(await restore({ 'recovery-point-id': v.recoveryPointId, 'subscription-id': sub() }))
    expect(result.outputs['kek-url']).toBe('')
    expect(result.outputs['kek-restored']).toBe('false')
    expect(result.outputs['secret-restored']).toBe('true')
    expect(result.outputs['secret-url']).toBe(`https://${SOURCE}.vault.azure.net/secrets/${v.secretName}/${v.secretVersion}`)
    expect(JSON.parse(result.outputs['encryption-settings']!)).not.toHaveProperty('keyEncryptionKey')
    expect(written().map((r) => r.operation)).toEqual(['restoreSecret'])
    const [stored] = world.versions(v.secretName, SOURCE)
    expect(stored!.contentType).toBe('BEK')
    expect(Buffer.from(stored!.value, 'base64').equals(v.plaintext)).toBe(true)
    world.azure.clearLogs()
    const again = ok(await restore({ 'recovery-point-id': v.recoveryPointId, 'if-exists': 'reuse' }))
    expect(again.outputs['secret-restored']).toBe('false')
    expect(written()).toEqual([])
  }, 60_000)
})

describe('lost answers and a wrong algorithm', () => {
  test('a lost answer on the secret PUT stores one version', async () => {
    const v = await vm({ osType: 'Linux' })
    world.azure.faults.add({ method: 'PUT', path: /^\/secrets\//, resetAfterHandling: true })
    const result = ok(await restore({ 'recovery-point-id': v.recoveryPointId }))
    expect(world.versions(v.secretName, SOURCE)).toHaveLength(1)
    expect(result.outputs['secret-url']).toBe(world.versions(v.secretName, SOURCE)[0]!.id)
  }, 60_000)

  test('a lost answer on the key restore is checked by reading the key, not resent blindly', async () => {
    const v = await vm({ osType: 'Linux' })
    world.azure.faults.add({ method: 'POST', path: /^\/keys\/restore/, resetAfterHandling: true })
    const result = ok(await restore({ 'recovery-point-id': v.recoveryPointId }))
    const keyRequests = world.azure.requests.filter((r) => r.path.startsWith(`/keys/`) && !/unwrapkey$/i.test(r.path))
    expect(keyRequests.filter((r) => r.method === 'POST')).toHaveLength(1)
    const restoreAt = keyRequests.findIndex((r) => r.method === 'POST')
    expect(keyRequests.slice(restoreAt + 1).some((r) => r.method === 'GET' && r.path.includes(v.kekVersion))).toBe(true)
    expect(result.outputs['kek-restored']).toBe('true')
    expect(result.stdout).toContain('the vault had restored the key')
  }, 60_000)

  test('a wrong algorithm fails verify naming the one that unwraps it, and stores no secret', async () => {
    const v = await vm({ osType: 'Linux', algorithm: 'RSA-OAEP' })
    const line = failed(await restore({ 'recovery-point-id': v.recoveryPointId, algorithm: 'RSA-OAEP-256' }))
    expect(line).toContain('it does with RSA-OAEP.')
    expect(line).toContain('re-run with algorithm: RSA-OAEP')
    expect(world.versions(v.secretName, SOURCE)).toEqual([])
    expect(line).toContain(`This run wrote: the KEK ${kekUrl(v)} (restored)`)
  }, 60_000)
})
