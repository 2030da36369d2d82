import { describe, expect, test } from '@jest/globals'
import { useWorld, errors, operations } from '../world.ts'

const world = useWorld()

describe('if-exists', () => {
  test('fail (default): a second run with the same name stores nothing and says what to do', async () => {
    const first = await world.run({ 'secret-name': 'vm-fail', 'os-type': 'linux' })
    expect(first.exitCode).toBe(0)
    world.azure.clearLogs()
    const second = await world.run({ 'secret-name': 'vm-fail', 'os-type': 'linux' })
    expect(second.exitCode).toBe(1)
    expect(errors(second)).toEqual([expect.stringMatching(/Secret 'vm-fail' already exists .*if-exists: reuse.*new-version/)])
    expect(world.versions('vm-fail')).toHaveLength(1)
    expect(operations(world.azure)).not.toContain('setSecret')
    expect(second.outputs['secret-url']).toBeUndefined()
  })

  test('reuse: outputs the existing latest version and the KEK URL from its tag, creates nothing', async () => {
    const first = await world.run({ 'secret-name': 'vm-reuse', 'os-type': 'linux' })
    world.azure.clearLogs()
    const second = await world.run({ 'secret-name': 'vm-reuse', 'if-exists': 'reuse', 'os-type': 'linux' })
    expect(second.exitCode).toBe(0)
    expect(second.outputs['secret-url']).toBe(first.outputs['secret-url'])
    expect(second.outputs['kek-url']).toBe(first.outputs['kek-url'])
    expect(second.outputs['secret-version']).toBe(first.outputs['secret-version'])
    expect(world.versions('vm-reuse')).toHaveLength(1)
    expect(operations(world.azure)).not.toContain('setSecret')
    expect(operations(world.azure)).not.toContain('wrapKey')
    expect(second.summary).toContain('existing, reused')
  })

  test('reuse refuses a secret that is not a wrapped BEK', async () => {
    const token = world.azure.entra.issueAccessToken(world.clientId, 'https://vault.azure.net')
    const { proxyClient } = await import('../../../emulator/http-client.ts')
    const http = proxyClient(world.azure.proxyUrl, world.azure.caPath)
    try {
      const put = await http.request('PUT', 'https://bek-e2e.vault.azure.net/secrets/db-password?api-version=7.5', {
        headers: { authorization: `Bearer ${token}` },
        body: { value: 'hunter2', contentType: 'text/plain' }
      })
      expect(put.status).toBe(200)
    } finally {
      http.close()
    }
    for (const mode of ['reuse', 'new-version']) {
      const result = await world.run({ 'secret-name': 'db-password', 'if-exists': mode })
      expect(result.exitCode).toBe(1)
      expect(errors(result)).toEqual([expect.stringMatching(/already exists .* but is not a wrapped BEK .*content type is 'text\/plain'/)])
    }
    expect(world.versions('db-password')).toHaveLength(1)
  })

  test('new-version: adds a version with a new key under the same name', async () => {
    const first = await world.run({ 'secret-name': 'vm-rotate', 'os-type': 'linux' })
    const second = await world.run({ 'secret-name': 'vm-rotate', 'if-exists': 'new-version', 'os-type': 'linux' })
    expect(second.exitCode).toBe(0)
    const versions = world.versions('vm-rotate')
    expect(versions).toHaveLength(2)
    expect(second.outputs['secret-url']).not.toBe(first.outputs['secret-url'])
    expect(second.outputs['secret-url']).toBe(versions[1].id)
    const [a, b] = versions.map((v) => world.unwrapLocally(v.value, 'RSA-OAEP'))
    expect(a.equals(b)).toBe(false)
  })

  test('a soft-deleted name: 409 from the vault, and the error says recover or purge', async () => {
    await world.run({ 'secret-name': 'vm-deleted', 'os-type': 'linux' })
    world.azure.keyVault.deleteSecret('bek-e2e', 'vm-deleted')
    world.azure.clearLogs()
    const result = await world.run({ 'secret-name': 'vm-deleted', 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(world.azure.requests.some((r) => r.operation === 'setSecret' && r.status === 409)).toBe(true)
    expect(errors(result)).toEqual([expect.stringMatching(/deleted but recoverable.*Recover the deleted secret .* or purge it/)])
  })
})

describe('verify', () => {
  test('a stored value that does not unwrap to the key is disabled, and reuse then refuses it', async () => {
    const other = Buffer.alloc(32, 7).toString('base64url')
    world.azure.faults.add({
      host: 'bek-e2e.vault.azure.net',
      method: 'POST',
      path: /\/unwrapkey$/,
      times: 1,
      status: 200,
      body: { kid: `https://bek-e2e.vault.azure.net/keys/disk-kek/${world.kekVersion}`, value: other }
    })
    const result = await world.run({ 'secret-name': 'vm-unverified', verify: 'true', 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /Verification failed: .* to a different key\. The stored version https:\/\/bek-e2e\.vault\.azure\.net\/secrets\/vm-unverified\/[0-9a-f]{32} was disabled; run again with if-exists: new-version/
      )
    ])
    const [stored] = world.versions('vm-unverified')
    expect(stored.attributes.enabled).toBe(false)
    expect(JSON.parse(result.outputs.secrets)).toEqual([])

    const reuse = await world.run({ 'secret-name': 'vm-unverified', 'if-exists': 'reuse', 'os-type': 'linux' })
    expect(errors(reuse)).toEqual([expect.stringMatching(/not a wrapped BEK this action can reuse: its latest version is disabled/)])
    const again = await world.run({ 'secret-name': 'vm-unverified', 'if-exists': 'new-version', verify: 'true', 'os-type': 'linux' })
    expect(errors(again)).toEqual([])
    expect(world.versions('vm-unverified')).toHaveLength(2)
  })
})
