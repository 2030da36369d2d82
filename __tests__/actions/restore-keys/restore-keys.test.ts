/**
 * restore-keys, run from its bundle against the local Azure: an ADE VM's KEK and BEK, lost after
 * an Azure Backup, come back from the recovery point or the config file with exact tags, and
 * unlock real disks the way the platform does (cryptsetup, through the ADE stand-in); reuse,
 * refusals, lost answers and a wrong algorithm each end as they must, nothing written unsaid.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAde, type Ade } from '../../../emulator/ade.ts'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { announceSkip } from '../../interop/tools.ts'
import { BITLOCKER_GUID, findCryptsetup, unpackBitlockerFixture } from '../disk-tools.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { errors, useWorld } from '../world.ts'
import { SOURCE, backedUpVm, writeConfigFile, type BackedUpVm } from './backed-up-vm.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'restore-keys', 'index.js')
const scratch = mkdtempSync(join(tmpdir(), 'restore-keys-'))
const { cryptsetup, missing } = await findCryptsetup()
const bitlocker = await unpackBitlockerFixture(scratch)
let ade: Ade
let subscriptionId: string

beforeAll(() => {
  const kv = world.azure.keyVault
  kv.createVault(SOURCE)
  subscriptionId = kv.vault(SOURCE).subscriptionId
  // What restore-keys needs on the vault it restores into, and Reader to find the vault IDs.
  kv.grant(SOURCE, world.objectId, 'Key Vault Crypto Officer')
  kv.grant(SOURCE, world.objectId, 'Key Vault Secrets Officer')
  kv.grant(SOURCE, world.objectId, 'Reader')
  ade = startAde(world.azure, { vaults: [SOURCE] })
})
afterAll(async () => {
  await ade.close()
  rmSync(scratch, { recursive: true, force: true })
})

const vms: BackedUpVm[] = []
/** A run of the bundle, debug on, checked for leaks first: no plaintext, no token, no wrapped value outside a mask. */
async function restore(inputs: Record<string, string>): Promise<RunActionResult> {
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'client-id': world.clientId, 'tenant-id': world.tenantId, ...inputs },
    debug: true,
    timeoutMs: 60_000
  })
  const sensitive = { plaintexts: vms.map((vm) => vm.plaintext), tokens: issuedTokens(world.azure), wrapped: vms.map((vm) => vm.wrapped) }
  expect(leaks(result, sensitive)).toEqual([])
  return result
}
const vm = async (options: Parameters<typeof backedUpVm>[2]) => {
  const made = await backedUpVm(world.azure, world.objectId, options)
  vms.push(made)
  return made
}
const ok = (result: RunActionResult): RunActionResult => {
  expect(errors(result)).toEqual([])
  expect(result.exitCode).toBe(0)
  return result
}
const failed = (result: RunActionResult): string => {
  expect(result.exitCode).not.toBe(0)
  const lines = errors(result)
  expect(lines).toHaveLength(1)
  return lines[0]!
}
/** The vault writes that succeeded (a refused restore changes nothing). */
const written = () =>
  world.azure.requests.filter(
    (r) => r.method !== 'GET' && !/unwrapkey$/i.test(r.path) && r.host.includes('.vault.') && r.status >= 200 && r.status < 300
  )
const kekUrl = (v: BackedUpVm) => `https://${SOURCE}.vault.azure.net/keys/${v.kekName}/${v.kekVersion}`
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
    first = await restore({ 'recovery-point-id': linux.recoveryPointId, 'subscription-id': subscriptionId, 'machine-name': 'vm-linux' })
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
    const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg-${SOURCE}/providers/Microsoft.KeyVault/vaults/${SOURCE}`
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
    const booted = await ade.boot({ secretUrl: first.outputs['secret-url']!, keyUrl: first.outputs['kek-url']! }, { osType: 'linux' })
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
    const booted = await ade.boot({ secretUrl: result.outputs['secret-url']!, keyUrl: result.outputs['kek-url']! }, { osType: 'windows' })
    expect(booted.fileName).toBe(`${BITLOCKER_GUID}.BEK`)
    expect(await cryptsetup.bitlkOpen(bitlocker.volume, booted.path)).toBe(0)
  }, 60_000)
})

describe('refusals: each a clear error, nothing half-restored left unsaid', () => {
  test('another geography: the step says a backup restores only in the same subscription and geography', async () => {
    const v = await vm({ osType: 'Linux' })
    world.azure.keyVault.createVault('kv-europe', { location: 'westeurope' })
    world.azure.keyVault.grant('kv-europe', world.objectId, 'Key Vault Crypto Officer')
    const line = failed(await restore({ 'recovery-point-id': v.recoveryPointId, 'kek-vault': 'kv-europe' }))
    expect(line).toContain('Cannot decrypt backup blob.')
    expect(line).toContain('same subscription and the same geography')
    expect(line).not.toContain('This run wrote')
    expect(world.versions(v.secretName, SOURCE)).toEqual([])
  }, 60_000)

  test('403: the role that restores keys is named', async () => {
    const v = await vm({ osType: 'Linux' })
    world.azure.keyVault.createVault('kv-locked')
    world.azure.keyVault.grant('kv-locked', world.objectId, 'Key Vault Secrets Officer')
    const line = failed(await restore({ 'recovery-point-id': v.recoveryPointId, 'kek-vault': 'kv-locked' }))
    expect(line).toContain("'Key Vault Crypto Officer'")
    expect(line).toContain('keys: get, restore')
    // With read access only, the restore itself is refused: the same role, and the restore permission.
    world.azure.keyVault.grant('kv-locked', world.objectId, 'Key Vault Crypto User')
    const restoreLine = failed(await restore({ 'recovery-point-id': v.recoveryPointId, 'kek-vault': 'kv-locked' }))
    expect(restoreLine).toContain(
      "may not restore the KEK from its backup in kv-locked.vault.azure.net. Grant it the RBAC role 'Key Vault Crypto Officer'"
    )
    expect(restoreLine).toContain("'keys: restore'")
  }, 60_000)

  test('a KEK backup that is not a backup: refused by the vault, and the step says what to check', async () => {
    const v = await vm({ osType: 'Linux' })
    const config = writeConfigFile(scratch, v, (d) => (d['KeyBackupData'] = randomBytes(2000).toString('base64')))
    const line = failed(await restore({ 'encryption-config-file': config, 'os-type': 'linux' }))
    expect(line).toContain('the backup data is not a Key Vault key backup')
    expect(world.azure.keyVault.getKey(SOURCE, v.kekName)).toBeUndefined()
  }, 60_000)

  test.each([
    ['not JSON', () => 'not json {', 'is not JSON'],
    ['10 MB', () => 'x'.repeat(10 * 1024 * 1024), 'a vmencryption_config.json has 1 to 1048576'],
    [
      'missing fields',
      () => JSON.stringify({ OsDiskKeyAndSecretDetails: { SecretUrl: 'https://ade-source.vault.azure.net/secrets/s/' + 'a'.repeat(32) } }),
      'OsDiskKeyAndSecretDetails.SecretData is missing'
    ]
  ])(
    'a config file that is %s fails before any request, naming the input',
    async (_what, content, says) => {
      const path = join(scratch, `bad-${_what.replace(/ /g, '-')}.json`)
      writeFileSync(path, content())
      const line = failed(await restore({ 'encryption-config-file': path, 'os-type': 'linux' }))
      expect(line).toContain("Input 'encryption-config-file'")
      expect(line).toContain(says)
      expect(world.azure.requests).toEqual([])
    },
    60_000
  )
})

describe('soft-deleted names and a BEK without a KEK', () => {
  test('a soft-deleted KEK blocks the restore: the step names the commands; with recover-deleted both come back', async () => {
    const v = await vm({ osType: 'Linux', lost: 'soft' })
    const line = failed(await restore({ 'recovery-point-id': v.recoveryPointId }))
    expect(line).toContain(`az keyvault key recover --vault-name ${SOURCE} --name ${v.kekName}`)
    expect(line).toContain(`az keyvault key purge --vault-name ${SOURCE} --name ${v.kekName}`)
    expect(line).toContain('recover-deleted: true')
    expect(written()).toEqual([])
    const result = ok(await restore({ 'recovery-point-id': v.recoveryPointId, 'recover-deleted': 'true' }))
    expect(result.outputs['kek-restored']).toBe('true')
    expect(result.outputs['secret-restored']).toBe('true')
    expect(result.outputs['secret-url']).toBe(`https://${SOURCE}.vault.azure.net/secrets/${v.secretName}/${v.secretVersion}`)
    expect(world.azure.keyVault.isKeyDeleted(SOURCE, v.kekName)).toBe(false)
    expect(world.azure.keyVault.isSecretDeleted(SOURCE, v.secretName)).toBe(false)
    expect(world.versions(v.secretName, SOURCE)).toHaveLength(1)
  }, 60_000)

  test('without a KEK: POST /secrets/restore, read back as a BEK; kek-url empty; a reuse run writes nothing', async () => {
    const v = await vm({ osType: 'Linux', kek: false })
    const result = ok(await restore({ 'recovery-point-id': v.recoveryPointId, 'subscription-id': subscriptionId }))
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
