/**
 * The summary's Bicep: a complete file that makes one managed disk per BEK (a `for` loop for a
 * batch), imported from a pre-encrypted VHD, with ADE's encryption settings. What the action
 * cannot know (disk name, VHD, storage account, location) is a `param`.
 */
import { bicepString } from '../../../ade/snippet-strings.ts'
import { type DiskPlan, type SnippetVault, vaultIndex } from './disks.ts'

const DISK_API = 'Microsoft.Compute/disks@2023-10-02'
const VAULT_API = 'Microsoft.KeyVault/vaults@2023-07-01'
/** Azure Resource Manager's limit of resources in one template. */
const MAX_RESOURCES = 800

export function bicepFile(plan: DiskPlan): string {
  const batch = plan.beks.length > 1
  const ids = plan.vaults.map((vault, i) => (vault.id === undefined ? `${symbol(i)}.id` : bicepString(vault.id)))
  const secretVault = ids[0]
  const kekVaults = plan.beks.map((bek) => vaultIndex(plan, bek.kekUrl))
  const oneKekVault = kekVaults.every((i) => i === kekVaults[0])
  const lines = [
    batch
      ? `// One managed disk per BEK of this run (${plan.beks.length}), each imported from its pre-encrypted VHD.`
      : '// A managed disk imported from a pre-encrypted VHD, with the BEK of this run.',
    '// Deploy: az deployment group create --resource-group <group> --template-file disk.bicep --parameters ...',
    ...(batch
      ? ["@description('URL of the container with the pre-encrypted VHDs: <BEK name>.vhd for each BEK')", 'param vhdFolderUri string']
      : [
          "@description('Name of the managed disk')",
          `param diskName string = ${bicepString(`${plan.beks[0].name}-os`)}`,
          "@description('URL of the pre-encrypted VHD')",
          'param vhdUri string'
        ]),
    `@description('Resource ID of the storage account that holds the ${batch ? 'VHDs' : 'VHD'}')`,
    'param storageAccountId string',
    'param location string = resourceGroup().location',
    ...plan.vaults.flatMap((vault, i) => existingVault(vault, i)),
    ''
  ]
  const kekVaultIdOf = (i: number): string => ids[kekVaults[oneKekVault ? 0 : i]]
  if (!batch) {
    const [bek] = plan.beks
    lines.push(
      `resource disk '${DISK_API}' = {`,
      ...diskBody(plan, 'diskName', 'vhdUri', bicepString(bek.secretUrl), secretVault, bicepString(bek.kekUrl), kekVaultIdOf(0)),
      '}'
    )
  } else {
    const shared = plan.sharedKekUrl
    lines.push(
      ...(plan.beks.length > MAX_RESOURCES
        ? [`// ARM deploys at most ${MAX_RESOURCES} resources from one template: split the list below.`]
        : []),
      ...(shared === undefined ? [] : [`var kekUrl = ${bicepString(shared)}`]),
      'var beks = [',
      ...plan.beks.flatMap((bek, i) => [
        '  {',
        `    name: ${bicepString(bek.name)}`,
        `    secretUrl: ${bicepString(bek.secretUrl)}`,
        ...(shared === undefined ? [`    kekUrl: ${bicepString(bek.kekUrl)}`] : []),
        ...(oneKekVault ? [] : [`    kekVaultId: ${kekVaultIdOf(i)}`]),
        '  }'
      ]),
      ']',
      '',
      `resource disks '${DISK_API}' = [for bek in beks: {`,
      ...diskBody(
        plan,
        "'${bek.name}-os'",
        "'${vhdFolderUri}/${bek.name}.vhd'",
        'bek.secretUrl',
        secretVault,
        shared === undefined ? 'bek.kekUrl' : 'kekUrl',
        oneKekVault ? kekVaultIdOf(0) : 'bek.kekVaultId'
      ),
      '}]'
    )
  }
  return lines.join('\n')
}

/** Bicep symbols of the vaults: the secrets' vault, then the KEKs' others. */
const symbol = (i: number): string => (i === 0 ? 'keyVault' : i === 1 ? 'kekVault' : `kekVault${i}`)

function existingVault(vault: SnippetVault, i: number): string[] {
  if (vault.id !== undefined) return []
  return [
    `@description(${bicepString(`Resource group of the key vault ${vault.name}`)})`,
    `param ${symbol(i)}ResourceGroup string = resourceGroup().name`,
    `resource ${symbol(i)} '${VAULT_API}' existing = {`,
    `  name: ${bicepString(vault.name)}`,
    `  scope: resourceGroup(${symbol(i)}ResourceGroup)`,
    '}'
  ]
}

function diskBody(
  plan: DiskPlan,
  name: string,
  sourceUri: string,
  secretUrl: string,
  secretVaultId: string,
  kekUrl: string,
  kekVaultId: string
): string[] {
  return [
    `  name: ${name}`,
    '  location: location',
    '  sku: {',
    "    name: 'Premium_LRS'",
    '  }',
    '  properties: {',
    `    osType: '${plan.osType === 'linux' ? 'Linux' : 'Windows'}'`,
    '    creationData: {',
    "      createOption: 'Import'",
    `      sourceUri: ${sourceUri}`,
    '      storageAccountId: storageAccountId',
    '    }',
    '    encryptionSettingsCollection: {',
    '      enabled: true',
    "      encryptionSettingsVersion: '1.1'",
    '      encryptionSettings: [',
    '        {',
    '          diskEncryptionKey: {',
    `            secretUrl: ${secretUrl}`,
    `            sourceVault: {`,
    `              id: ${secretVaultId}`,
    '            }',
    '          }',
    '          keyEncryptionKey: {',
    `            keyUrl: ${kekUrl}`,
    `            sourceVault: {`,
    `              id: ${kekVaultId}`,
    '            }',
    '          }',
    '        }',
    '      ]',
    '    }',
    '  }'
  ]
}
