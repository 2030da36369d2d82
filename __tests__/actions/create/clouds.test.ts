import { expect, test } from '@jest/globals'
import { useWorld, errors } from '../world.ts'

const world = useWorld()

test.each([
  ['AzureChinaCloud', 'vault.azure.cn', 'login.chinacloudapi.cn'],
  ['AzureUSGovernment', 'vault.usgovcloudapi.net', 'login.microsoftonline.us']
] as const)('%s: the authority, vault suffix and token scope of that cloud', async (environment, suffix, login) => {
  const vault = `bek-${environment.slice(5, 10).toLowerCase()}`
  world.azure.keyVault.createVault(vault, { cloud: environment })
  const kek = await world.azure.keyVault.createKey(vault, 'kek', { size: 3072 })
  world.azure.keyVault.grant(vault, world.objectId, 'Key Vault Crypto Service Encryption User')
  world.azure.keyVault.grant(vault, world.objectId, 'Key Vault Secrets Officer')
  world.azure.clearLogs()
  const result = await world.run({ environment, 'key-vault': vault, 'kek-name': 'kek', 'os-type': 'linux' })
  expect(errors(result)).toEqual([])
  expect(result.outputs['kek-url']).toBe(`https://${vault}.${suffix}/keys/kek/${kek.version}`)
  expect(result.outputs['secret-url']).toMatch(new RegExp(`^https://${vault}\\.${suffix.replace(/\./g, '\\.')}/secrets/`))
  expect(world.azure.requests.filter((r) => r.operation === 'token').map((r) => r.host)).toEqual([login])
  expect(world.azure.connects.map((c) => c.target.replace(/:443$/, '')).filter((h) => !h.includes('actions.githubusercontent'))).toEqual(
    expect.arrayContaining([login, `${vault}.${suffix}`])
  )
})

test('a sovereign vault with the wrong environment is refused before any request', async () => {
  const result = await world.run({ 'key-vault': 'https://bek-china.vault.azure.cn/', 'kek-name': 'kek' })
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([
    expect.stringMatching(/vault in AzureChinaCloud, but environment is AzureCloud; set environment: AzureChinaCloud/)
  ])
})
