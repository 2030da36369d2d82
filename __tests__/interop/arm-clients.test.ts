/**
 * Interop: what the action's ARM outputs are for, fed to clients this project did not write,
 * against the ARM stand-in.
 *
 * - Debian's azure-cli 2.45 `az vm encryption enable` with the action's key-vault-id and kek-url,
 *   for a VM in another resource group than the vault: its client-side validation
 *   (vm/disk_encryption.py, _verify_keyvault_good_for_encryption) passes, and the extension PUT
 *   carries KeyVaultResourceId, KekVaultResourceId and KeyEncryptionKeyURL equal to the outputs.
 *   A bare vault name is resolved in the VM's resource group and fails: the case the output is for.
 *   az runs in-process (az_in_process.py) with compute's default api-version at 2022-08-01, where
 *   Debian's azure-mgmt-compute 29.0.0 stops; the KEK is given by URL (by name, az needs an old
 *   Key Vault client Debian lacks).
 * - The Azure SDK for Python's azure-mgmt-keyvault reads the stand-in's vault resource.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { fileURLToPath } from 'node:url'
import {
  announceSkip,
  azEnv,
  azLogin,
  findAz,
  PYTHON,
  pythonSdkMissing,
  runPythonSdkClient,
  runTool,
  trafficText,
  type ToolResult,
  useAzWorld
} from './tools.ts'

const AZ_IN_PROCESS = fileURLToPath(new URL('./az_in_process.py', import.meta.url))
const VAULT = 'kv-interop-ade'
const KEK = 'ade-kek'
const VM_GROUP = 'rg-vms'
const VM = 'vm-ade'

const { az, missing: azMissing } = await findAz()
const cliMissing =
  azMissing ??
  ((await runTool(PYTHON, ['-c', 'import azure.cli.core, azure.mgmt.compute, azure.mgmt.keyvault'], { PATH: '/usr/bin:/bin' })).code === 0
    ? undefined
    : `${PYTHON} cannot import azure.cli.core, azure.mgmt.compute and azure.mgmt.keyvault (Debian's azure-cli)`)
if (cliMissing) announceSkip('az vm encryption interop', cliMissing)
const sdkMissing =
  (await pythonSdkMissing()) ??
  ((await runTool(PYTHON, ['-c', 'import azure.mgmt.keyvault'], { PATH: '/usr/bin:/bin' })).code === 0
    ? undefined
    : `${PYTHON} cannot import azure.mgmt.keyvault (Debian's python3-azure)`)
if (sdkMissing) announceSkip('azure-mgmt-keyvault interop', sdkMissing)

describe('ARM outputs in clients this project did not write', () => {
  const w = useAzWorld({
    vault: VAULT,
    vaultOptions: { enabledForDiskEncryption: true, enablePurgeProtection: true },
    kek: KEK,
    roles: ['Key Vault Crypto Service Encryption User', 'Key Vault Secrets Officer', 'Reader'],
    prepare: ({ azure, app }) => {
      const { subscriptionId } = azure.keyVault.vault(VAULT)
      azure.arm.subscriptions.push({ subscriptionId, displayName: 'ADE interop', tenantId: app.tenantId })
      // The VM is in its own resource group; the vault in rg-kv-interop-ade, as a shared security group would be.
      azure.arm.virtualMachines.add({ subscriptionId, resourceGroup: VM_GROUP, name: VM, location: 'East US', osType: 'Linux' })
    },
    inputs: ({ azure }) => ({ 'subscription-id': azure.keyVault.vault(VAULT).subscriptionId, 'os-type': 'linux' })
  })
  const subscriptionId = (): string => w.azure.keyVault.vault(VAULT).subscriptionId

  const azInProcess = (args: string[]): Promise<ToolResult> =>
    runTool(PYTHON, [AZ_IN_PROCESS, ...args, '--output', 'json'], azEnv(w.azure, w.configDir), { timeoutMs: 120_000 })
  /** `az vm encryption enable` for the OS disk of the VM, with the vault (and KEK) as given. */
  const encryptionEnable = (vault: string, kek: string[]): Promise<ToolResult> =>
    azInProcess([
      'vm',
      'encryption',
      'enable',
      '--resource-group',
      VM_GROUP,
      '--name',
      VM,
      '--disk-encryption-keyvault',
      vault,
      ...kek,
      '--volume-type',
      'OS'
    ])

  test('the action gave the resource IDs and the KEK URL', () => {
    expect({ exitCode: w.action.exitCode, errors: w.action.stdout.split('\n').filter((l) => l.startsWith('::error::')) }).toEqual({
      exitCode: 0,
      errors: []
    })
    expect(w.action.outputs['key-vault-id']).toBe(
      `/subscriptions/${subscriptionId()}/resourceGroups/rg-${VAULT}/providers/Microsoft.KeyVault/vaults/${VAULT}`
    )
  })

  const describeIfCli = cliMissing ? describe.skip : describe
  describeIfCli('Debian azure-cli 2.45: az vm encryption enable', () => {
    beforeAll(async () => {
      const login = await azLogin(az!, w.azure, w.configDir, w.app)
      expect({ code: login.code, stderr: login.stderr }).toMatchObject({ code: 0 })
      expect(login.json).toEqual([expect.objectContaining({ id: subscriptionId(), isDefault: true })])
    }, 120_000)

    test('with key-vault-id and kek-url: passes its validation; the extension PUT carries the outputs', async () => {
      w.azure.clearLogs()
      const r = await encryptionEnable(w.action.outputs['key-vault-id']!, [
        '--key-encryption-key',
        w.action.outputs['kek-url']!,
        '--key-encryption-keyvault',
        w.action.outputs['kek-vault-id']!
      ])
      console.log(`az vm encryption enable: ${r.durationMs} ms`)
      expect({ code: r.code, stderr: r.stderr, traffic: trafficText(w.azure) }).toMatchObject({ code: 0 })
      const arm = w.azure.requests.filter((q) => q.host === 'management.azure.com')
      console.log(`az vm encryption enable, ARM requests: ${arm.map((q) => `${q.method} ${q.operation ?? q.path} ${q.status}`).join(', ')}`)
      expect(arm.map((q) => q.operation)).toEqual(
        expect.arrayContaining(['getVm', 'getVault', 'putVmExtension', 'getVmExtensionInstanceView'])
      )
      expect(arm.find((q) => q.operation === 'getVault')?.query['api-version']).toBe('2022-07-01')
      const puts = w.azure.arm.virtualMachines.extensionPuts
      expect(puts).toHaveLength(1)
      const put = puts[0]!
      expect(put.vmId).toMatch(new RegExp(`/resourceGroups/${VM_GROUP}/providers/Microsoft.Compute/virtualMachines/${VM}$`))
      expect(put.name).toBe('AzureDiskEncryptionForLinux')
      const settings = (put.body['properties'] as { settings: Record<string, string> }).settings
      expect(settings).toMatchObject({
        KeyVaultResourceId: w.action.outputs['key-vault-id'],
        KekVaultResourceId: w.action.outputs['kek-vault-id'],
        KeyEncryptionKeyURL: w.action.outputs['kek-url'],
        KeyVaultURL: `https://${VAULT}.vault.azure.net`,
        EncryptionOperation: 'EnableEncryption',
        VolumeType: 'OS'
      })
      // The same IDs as encryption-settings carries, for templates.
      const encryption = JSON.parse(w.action.outputs['encryption-settings']!)
      expect(encryption.diskEncryptionKey.sourceVault.id).toBe(settings['KeyVaultResourceId'])
      expect(encryption.keyEncryptionKey).toEqual({
        keyUrl: settings['KeyEncryptionKeyURL'],
        sourceVault: { id: settings['KekVaultResourceId'] }
      })
    }, 150_000)

    test('with the bare vault name instead: az looks in the VM resource group and fails with a 404', async () => {
      w.azure.clearLogs()
      const before = w.azure.arm.virtualMachines.extensionPuts.length
      const r = await encryptionEnable(VAULT, ['--key-encryption-key', w.action.outputs['kek-url']!])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(new RegExp(`ResourceNotFound.*Microsoft.KeyVault/vaults/${VAULT}' under resource group '${VM_GROUP}'`, 's'))
      expect(w.azure.requests.filter((q) => q.status === 404).map((q) => q.path)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`/resourceGroups/${VM_GROUP}/providers/Microsoft.KeyVault/vaults/${VAULT}$`, 'i'))
        ])
      )
      expect(w.azure.arm.virtualMachines.extensionPuts).toHaveLength(before)
    }, 150_000)
  })

  const describeIfSdk = sdkMissing ? describe.skip : describe
  describeIfSdk('Azure SDK for Python: azure-mgmt-keyvault', () => {
    test('reads the vault resource the action read: id, location and the properties ADE depends on', async () => {
      w.azure.clearLogs()
      const r = await runPythonSdkClient(w.azure, {
        MODE: 'arm-vault',
        TENANT_ID: w.app.tenantId,
        CLIENT_ID: w.app.clientId,
        SUBSCRIPTION_ID: subscriptionId(),
        RESOURCE_GROUP: `rg-${VAULT}`,
        VAULT_NAME: VAULT
      })
      expect({ code: r.code, json: r.json, stderr: r.stderr }).toMatchObject({ code: 0, json: { ok: true } })
      console.log(`azure-mgmt-keyvault ${r.json['azure-mgmt-keyvault']}: ${r.durationMs} ms`)
      expect(r.json).toMatchObject({
        id: w.action.outputs['key-vault-id'],
        name: VAULT,
        location: 'eastus',
        vaultUri: `https://${VAULT}.vault.azure.net/`,
        enabledForDiskEncryption: true,
        enableSoftDelete: true,
        enablePurgeProtection: true,
        enableRbacAuthorization: true,
        bypass: 'AzureServices',
        defaultAction: 'Allow'
      })
      expect(w.azure.requests.filter((q) => q.operation === 'getVault').map((q) => [q.status, q.query['api-version']])).toEqual([
        [200, '2022-07-01']
      ])
    }, 90_000)
  })
})
