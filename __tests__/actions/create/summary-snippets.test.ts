import { describe, expect, test } from '@jest/globals'
import { bicepDiskResources, checkBicep, checkPowerShell } from './snippet-checks.ts'
import { errors, useWorld } from '../world.ts'

const world = useWorld()

/** The summary's code blocks of a language, as the reader sees them (HTML entities decoded). */
function codeBlocks(summary: string, lang: string): string[] {
  return [...summary.matchAll(new RegExp(`<pre lang="${lang}"><code>([\\s\\S]*?)</code></pre>`, 'g'))].map((m) =>
    m[1].replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
  )
}

describe('the summary of a run', () => {
  test('a verified batch: verified in the status, one Bicep loop and one PowerShell foreach over all its BEKs', async () => {
    const result = await world.run({ count: '3', verify: 'true', 'os-type': 'linux' })
    expect(errors(result)).toEqual([])
    const secrets = (JSON.parse(result.outputs['secrets']!) as Array<{ 'secret-url': string }>).map((s) => s['secret-url'])
    expect(secrets).toHaveLength(3)
    expect(result.summary.match(/<td>created, verified \(the vault unwraps it\)<\/td>/g)).toHaveLength(3)

    const [bicep, ...moreBicep] = codeBlocks(result.summary, 'bicep')
    expect(moreBicep).toEqual([])
    const bicepCheck = checkBicep(bicep!)
    expect(bicepCheck.problems).toEqual([])
    expect(bicepDiskResources(bicep!)).toEqual([expect.objectContaining({ loop: true })])
    expect(bicepCheck.strings.filter((s) => s.includes('/secrets/'))).toEqual(secrets)

    const [powerShell, ...morePowerShell] = codeBlocks(result.summary, 'powershell')
    expect(morePowerShell).toEqual([])
    const powerShellCheck = checkPowerShell(powerShell!)
    expect(powerShellCheck.undefinedVariables).toEqual([])
    expect(powerShell).toMatch(/^foreach \(\$bek in \$beks\) \{/m)
    expect(powerShellCheck.strings.filter((s) => s.includes('/secrets/'))).toEqual(secrets)
  })

  test('one BEK without verify: "created", and a Bicep disk and a PowerShell script filled in with its URLs', async () => {
    const result = await world.run({ 'secret-name': 'summary-one', 'os-type': 'linux' })
    expect(errors(result)).toEqual([])
    expect(result.summary).toContain('<td>created</td>')
    expect(result.summary).not.toContain('verified')
    const [bicep] = codeBlocks(result.summary, 'bicep')
    expect(checkBicep(bicep!).problems).toEqual([])
    expect(bicepDiskResources(bicep!)).toEqual([expect.objectContaining({ loop: false })])
    expect(checkBicep(bicep!).strings).toEqual(expect.arrayContaining([result.outputs['secret-url'], result.outputs['kek-url']]))
    const [powerShell] = codeBlocks(result.summary, 'powershell')
    expect(checkPowerShell(powerShell!).undefinedVariables).toEqual([])
    expect(checkPowerShell(powerShell!).strings).toEqual(expect.arrayContaining([result.outputs['secret-url'], result.outputs['kek-url']]))
  })

  test('with subscription-id: the snippets use the vault resource ID ARM gave', async () => {
    const name = 'bek-summary-arm'
    const { azure, objectId } = world
    azure.keyVault.createVault(name, { enabledForDiskEncryption: true, enablePurgeProtection: true })
    await azure.keyVault.createKey(name, 'kek', { size: 3072 })
    azure.keyVault.grant(name, objectId, 'Key Vault Crypto Service Encryption User')
    azure.keyVault.grant(name, objectId, 'Key Vault Secrets Officer')
    azure.keyVault.grant(name, objectId, 'Reader')
    const vault = azure.keyVault.vault(name)
    const result = await world.run({ 'key-vault': name, 'kek-name': 'kek', 'os-type': 'linux', 'subscription-id': vault.subscriptionId })
    expect(errors(result)).toEqual([])
    const id = result.outputs['key-vault-id']!
    expect(id).toMatch(/^\/subscriptions\/.+\/providers\/Microsoft\.KeyVault\/vaults\/bek-summary-arm$/)
    const [bicep] = codeBlocks(result.summary, 'bicep')
    expect(bicep).toContain(`id: '${id}'`)
    expect(bicep).not.toContain('existing')
    const [powerShell] = codeBlocks(result.summary, 'powershell')
    expect(powerShell).toContain(`$keyVaultId = '${id}'`)
  })
})
