/**
 * Issue 19, item 14: old KEKs are unwrapped only in the vaults the user named (key-vault, the
 * target KEK's vault, kek-vaults). A BEK whose KEK tag names another vault is skipped with that
 * reason and the input to add, and that vault never sees a request, let alone a token.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { VAULT, errors, useWorld } from '../world.ts'
import { RewrapWorld } from './rewrap-world.ts'

const world = useWorld()
const r = new RewrapWorld(world)
const OLD_VAULT = 'old-keks'
let target = ''

beforeAll(async () => {
  target = r.rememberKek()
  world.azure.keyVault.createVault(OLD_VAULT)
  world.azure.keyVault.grant(OLD_VAULT, world.objectId, 'Key Vault Crypto Service Encryption User')
  await world.azure.keyVault.createKey(OLD_VAULT, 'old-kek', { size: 3072 })
  const version = r.rememberKek(OLD_VAULT, 'old-kek')
  r.seed('moved', { kek: { vault: OLD_VAULT, name: 'old-kek', version } })
})

const toOldVault = (): unknown[] => world.azure.requests.filter((q) => q.host.startsWith(`${OLD_VAULT}.`))

describe('rewrap and the vaults of old KEKs', () => {
  test('a BEK whose KEK is in a vault the inputs do not name is skipped, naming it and kek-vaults; that vault gets no request', async () => {
    const result = await r.rewrap()
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.skipped!)).toEqual([
      {
        name: 'moved',
        reason: expect.stringMatching(/is in https:\/\/old-keks\.vault\.azure\.net, .*add old-keks to kek-vaults to rewrap it$/)
      }
    ])
    expect(result.stdout).toMatch(/::warning::1 secret\(s\) were skipped because their KEK is in a vault the inputs do not name/)
    expect(toOldVault()).toEqual([])
    expect(world.versions('moved')).toHaveLength(1)
  }, 60_000)

  test('with the vault in kek-vaults it is rewrapped onto the target', async () => {
    const result = await r.rewrap({ 'kek-vaults': `\n${OLD_VAULT}\n` })
    expect(errors(result)).toEqual([])
    expect(JSON.parse(result.outputs.rewrapped!).map((x: { name: string }) => x.name)).toEqual(['moved'])
    r.expectDone('moved', target)
    expect(toOldVault().length).toBeGreaterThan(0)
  }, 60_000)

  test('a kek-vaults line that is not a vault of the cloud fails before any request, naming the input', async () => {
    const result = await r.rewrap({ 'kek-vaults': `${VAULT}\nhttps://evil.example.com/` })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringContaining("Input 'kek-vaults'")])
    expect(world.azure.requests).toEqual([])
  }, 60_000)
})
