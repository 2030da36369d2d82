/**
 * CreatedBy on rewrap: each new version names the run that rewrapped it (the runner's variables),
 * provenance: false keeps the secret's own tags, and a secret whose tags leave no room for
 * CreatedBy fails before any key operation.
 */
import { describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { KEK, VAULT, errors, useWorld } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'rewrap', 'index.js')
const RUN = { GITHUB_SERVER_URL: 'https://ghe.contoso.com', GITHUB_RUN_ID: '5151', GITHUB_RUN_ATTEMPT: '2' }
const CREATED_BY = 'https://ghe.contoso.com/contoso/infra/actions/runs/5151/attempts/2'

function rewrap(inputs: Record<string, string>): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  return runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    env: RUN,
    timeoutMs: 60_000
  })
}

/** A BEK made by the root action (CreatedBy of its own run), then a rotation. */
async function bekThenRotate(name: string, tags = ''): Promise<Record<string, string>> {
  const made = await world.run({ 'secret-name': name, 'os-type': 'linux', tags }, { env: { GITHUB_RUN_ID: '17' } })
  expect(errors(made)).toEqual([])
  await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })
  return world.versions(name)[0]!.tags!
}

describe('rewrap provenance', () => {
  test('the new version names the run that rewrapped it, exactly, from the runner variables', async () => {
    const before = await bekThenRotate('prov-rewrap')
    expect(before['CreatedBy']).toMatch(/\/actions\/runs\/17\/attempts\/1$/)
    const result = await rewrap({ 'secret-name': 'prov-rewrap' })
    expect(errors(result)).toEqual([])
    const [, after] = world.versions('prov-rewrap')
    expect(after!.tags!['CreatedBy']).toBe(CREATED_BY)
    expect(Object.keys(after!.tags!).sort()).toEqual(Object.keys(before).sort())
  })

  test('provenance: false keeps the secret’s own tags, CreatedBy included', async () => {
    const before = await bekThenRotate('prov-rewrap-off')
    const result = await rewrap({ 'secret-name': 'prov-rewrap-off', provenance: 'false' })
    expect(errors(result)).toEqual([])
    const [, after] = world.versions('prov-rewrap-off')
    expect(after!.tags!['CreatedBy']).toBe(before['CreatedBy'])
  })

  test('a secret with 15 tags and no CreatedBy fails before any key operation, saying what to do', async () => {
    const extra = Array.from({ length: 12 }, (_, i) => `t${i}=v`).join('\n')
    const made = await world.run({ 'secret-name': 'prov-full', 'os-type': 'linux', tags: extra, provenance: 'false' })
    expect(errors(made)).toEqual([])
    expect(Object.keys(world.versions('prov-full')[0]!.tags!)).toHaveLength(15)
    await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })
    world.azure.clearLogs()
    const result = await rewrap({ 'secret-name': 'prov-full' })
    expect(result.exitCode).toBe(1)
    expect(errors(result).join('\n')).toContain(
      'The secret prov-full would need 16 tags with CreatedBy, more than the 15 Key Vault allows; remove one of its tags, or set provenance: false.'
    )
    expect(
      world.azure.requests.filter((r) => r.operation === 'unwrapKey' || r.operation === 'wrapKey' || r.operation === 'setSecret')
    ).toEqual([])
    expect(world.versions('prov-full')).toHaveLength(1)
  })
})
