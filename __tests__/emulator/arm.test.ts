import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ASSERTION_TYPE, setup, type Fixture } from './helpers.ts'

let f: Fixture
let sub: string
let rg: string
beforeAll(async () => {
  f = await setup({}, 'kv-arm')
  sub = f.az.keyVault.subscriptionId
  rg = f.az.keyVault.vault('kv-arm').resourceGroup
})
afterAll(async () => {
  await f.close()
})

async function armToken(host = 'login.microsoftonline.com', scope = 'https://management.azure.com/.default'): Promise<string> {
  const res = await f.token(
    {
      grant_type: 'client_credentials',
      client_id: f.clientId,
      scope,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: f.az.github.mint()
    },
    host
  )
  expect(res.status).toBe(200)
  return res.json.access_token as string
}

async function arm(path: string, token?: string, host = 'management.azure.com') {
  const t = token ?? (await armToken())
  const sep = path.includes('?') ? '&' : '?'
  return f.http.request('GET', `https://${host}${path}${sep}api-version=2022-07-01`, { headers: { authorization: `Bearer ${t}` } })
}

const vaultPath = () => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/kv-arm`

describe('vault resources', () => {
  test('each vault has its own resource group in the shared subscription', () => {
    f.az.keyVault.createVault('kv-arm-two')
    expect(f.az.keyVault.vault('kv-arm-two').subscriptionId).toBe(sub)
    expect(f.az.keyVault.vault('kv-arm-two').resourceGroup).not.toBe(rg)
  })

  test('without Reader: 403 AuthorizationFailed naming the action and scope', async () => {
    const res = await arm(vaultPath())
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('AuthorizationFailed')
    expect(res.json.error.message).toContain("'Microsoft.KeyVault/vaults/read'")
    expect(res.json.error.message).toContain(vaultPath())
    const list = await arm(`/subscriptions/${sub}/resources`)
    expect(list.status).toBe(403)
    expect(list.json.error.code).toBe('AuthorizationFailed')
  })

  test('with Reader on the vault: GET by ID, case-insensitive path, every property', async () => {
    f.az.keyVault.grant('kv-arm', f.objectId, 'Reader')
    f.az.keyVault.updateVault('kv-arm', { enabledForDiskEncryption: true, location: 'westeurope' })
    const res = await arm(vaultPath().toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      id: vaultPath(),
      name: 'kv-arm',
      type: 'Microsoft.KeyVault/vaults',
      location: 'westeurope',
      properties: {
        enabledForDiskEncryption: true,
        enableSoftDelete: true,
        enableRbacAuthorization: true,
        publicNetworkAccess: 'Enabled',
        networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' },
        accessPolicies: [],
        vaultUri: f.vaultUrl
      }
    })
    expect(res.json.properties.enablePurgeProtection).toBeUndefined()
  })

  test('resources list with $filter finds the readable vault by name, and only it', async () => {
    const filter = encodeURIComponent("resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'KV-ARM'")
    const res = await arm(`/subscriptions/${sub}/resources?$filter=${filter}`)
    expect(res.status).toBe(200)
    expect(res.json.value).toEqual([expect.objectContaining({ id: vaultPath(), name: 'kv-arm', location: 'westeurope' })])
    const other = encodeURIComponent("resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'kv-arm-two'")
    expect((await arm(`/subscriptions/${sub}/resources?$filter=${other}`)).json.value).toEqual([])
  })

  test('ResourceNotFound, ResourceGroupNotFound, SubscriptionNotFound', async () => {
    const missing = await arm(`/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/nope`)
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('ResourceNotFound')
    expect((await arm(`/subscriptions/${sub}/resourceGroups/rg-none/providers/Microsoft.KeyVault/vaults/nope`)).json.error.code).toBe(
      'ResourceGroupNotFound'
    )
    const noSub = await arm('/subscriptions/00000000-0000-0000-0000-000000000000/resources')
    expect(noSub.status).toBe(404)
    expect(noSub.json.error.code).toBe('SubscriptionNotFound')
  })

  test('permissions on the vault scope follow the same RBAC assignments as the data plane', async () => {
    const res = await arm(`${vaultPath()}/providers/Microsoft.Authorization/permissions`)
    expect(res.status).toBe(200)
    const dataActions = (res.json.value as Array<{ dataActions: string[] }>).flatMap((p) => p.dataActions)
    expect(dataActions).toEqual(
      expect.arrayContaining(['Microsoft.KeyVault/vaults/keys/wrap/action', 'Microsoft.KeyVault/vaults/secrets/setSecret/action'])
    )
    f.az.keyVault.revoke('kv-arm', f.objectId, 'Key Vault Secrets Officer')
    const after = await arm(`${vaultPath()}/providers/Microsoft.Authorization/permissions`)
    const left = (after.json.value as Array<{ dataActions: string[] }>).flatMap((p) => p.dataActions)
    expect(left).not.toContain('Microsoft.KeyVault/vaults/secrets/setSecret/action')
    expect((await f.kv('PUT', '/secrets/denied', { body: { value: 'x' } })).status).toBe(403)
  })

  test('access-policy vaults, networking and purge protection as set', async () => {
    f.az.keyVault.createVault('kv-arm-ap', { authorization: 'accessPolicy', enablePurgeProtection: true })
    f.az.keyVault.setAccessPolicy('kv-arm-ap', f.objectId, { keys: ['get', 'wrapKey'], secrets: ['set'] })
    f.az.keyVault.setNetwork('kv-arm-ap', { defaultAction: 'Deny', bypass: 'None' })
    const v = f.az.keyVault.vault('kv-arm-ap')
    f.az.arm.grantReader(f.objectId, `/subscriptions/${sub}/resourceGroups/${v.resourceGroup}`)
    const res = await arm(`/subscriptions/${sub}/resourceGroups/${v.resourceGroup}/providers/Microsoft.KeyVault/vaults/kv-arm-ap`)
    expect(res.status).toBe(200)
    expect(res.json.properties).toMatchObject({
      enableRbacAuthorization: false,
      enablePurgeProtection: true,
      networkAcls: { defaultAction: 'Deny', bypass: 'None' },
      accessPolicies: [{ objectId: f.objectId, permissions: { keys: ['get', 'wrapKey'], secrets: ['set'], certificates: [] } }]
    })
    expect(v.firewall.denyPublic).toBe(true)
  })

  test('sovereign hosts serve their own cloud with their own audience', async () => {
    f.az.keyVault.createVault('kv-arm-cn', { cloud: 'AzureChinaCloud' })
    f.az.keyVault.grant('kv-arm-cn', f.objectId, 'Reader')
    const cn = f.az.keyVault.vault('kv-arm-cn')
    const token = await armToken('login.chinacloudapi.cn', 'https://management.chinacloudapi.cn/.default')
    const path = `/subscriptions/${sub}/resourceGroups/${cn.resourceGroup}/providers/Microsoft.KeyVault/vaults/kv-arm-cn`
    const res = await arm(path, token, 'management.chinacloudapi.cn')
    expect(res.status).toBe(200)
    expect(res.json.properties.vaultUri).toBe('https://kv-arm-cn.vault.azure.cn/')
    expect((await arm(path, token, 'management.azure.com')).status).toBe(401)
    expect((await arm(path, await armToken(), 'management.chinacloudapi.cn')).status).toBe(401)
  })
})
