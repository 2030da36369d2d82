/**
 * restore-keys' refusals, on the bundle: another geography, a 403, a KEK backup that is not one,
 * and config files that are not JSON, too big or incomplete: each a clear error naming what to
 * do, and nothing half-restored left unsaid.
 */
import { describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildBekFile } from '../../fixtures/bek-file.ts'
import { SOURCE, writeConfigFile } from './backed-up-vm.ts'
import { failed, useRestoreWorld } from './restore-world.ts'

const { world, scratch, vm, restore } = useRestoreWorld()

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

  test('with subscription-id, a vault ADE cannot use fails the step before anything is written', async () => {
    const v = await vm({ osType: 'Linux' })
    world.azure.keyVault.createVault('kv-no-ade')
    world.azure.keyVault.grant('kv-no-ade', world.objectId, 'Key Vault Secrets Officer')
    world.azure.keyVault.grant('kv-no-ade', world.objectId, 'Reader')
    const subscriptionId = world.azure.keyVault.vault(SOURCE).subscriptionId
    const line = failed(
      await restore({ 'recovery-point-id': v.recoveryPointId, 'key-vault': 'kv-no-ade', 'subscription-id': subscriptionId })
    )
    expect(line).toContain('Nothing was restored: kv-no-ade: enabledForDiskEncryption is off')
    expect(line).toContain('az keyvault update --name kv-no-ade --enabled-for-disk-encryption true')
    expect(world.azure.requests.filter((r) => r.host.includes('.vault.') && r.method !== 'GET')).toEqual([])
  }, 60_000)

  test('no Backup Reader on the Recovery Services vault: the role and the command are named, nothing is read from a vault', async () => {
    const v = await vm({ osType: 'Linux' })
    const other = world.azure.entra.registerApp({
      federatedCredentials: [
        { issuer: world.azure.github.issuer, subject: 'repo:contoso/infra:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }
      ]
    })
    const line = failed(await restore({ 'recovery-point-id': v.recoveryPointId, 'client-id': other.clientId }))
    expect(line).toContain('AuthorizationFailed')
    expect(line).toContain('az role assignment create --role "Backup Reader"')
    expect(world.azure.requests.filter((r) => r.host.includes('.vault.'))).toEqual([])
  }, 60_000)

  test("Windows: a startup key whose GUID is not the secret's fails verify before storing, naming both", async () => {
    const bek = buildBekFile({ guid: '11111111-2222-3333-4444-555555555555' })
    const v = await vm({ osType: 'Windows', plaintext: bek.bytes, secretName: '66666666-7777-8888-9999-AAAAAAAAAAAA' })
    const line = failed(await restore({ 'recovery-point-id': v.recoveryPointId }))
    expect(line).toContain(
      'it unwraps to the startup key 11111111-2222-3333-4444-555555555555.BEK, not 66666666-7777-8888-9999-AAAAAAAAAAAA.BEK'
    )
    expect(line).toContain('Nothing was stored')
    expect(world.versions(v.secretName, SOURCE)).toEqual([])
  }, 60_000)
})
