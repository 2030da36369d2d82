import { describe, expect, test } from '@jest/globals'
import { errors, operations, useWorld } from '../world.ts'

const world = useWorld()
const runVariables = { GITHUB_SERVER_URL: 'https://ghe.contoso.com', GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '3' }
const expected = 'https://ghe.contoso.com/contoso/infra/actions/runs/4242/attempts/3'

describe('provenance', () => {
  test('each secret created carries CreatedBy, the run attempt from the runner variables', async () => {
    const result = await world.run({ 'secret-name': 'prov-a\nprov-b', 'os-type': 'linux' }, { env: runVariables })
    expect(result.exitCode).toBe(0)
    for (const name of ['prov-a', 'prov-b']) expect(world.versions(name)[0].tags?.['CreatedBy']).toBe(expected)
    expect(result.stdout).not.toContain('::warning::')
  })

  test('provenance: false leaves the tag out and lets tags set CreatedBy', async () => {
    const result = await world.run({ 'secret-name': 'prov-off', provenance: 'false', tags: 'CreatedBy=the platform team' })
    expect(result.exitCode).toBe(0)
    expect(world.versions('prov-off')[0].tags?.['CreatedBy']).toBe('the platform team')
    const plain = await world.run({ 'secret-name': 'prov-off-plain', provenance: 'false' })
    expect(plain.exitCode).toBe(0)
    expect(Object.keys(world.versions('prov-off-plain')[0].tags ?? {})).not.toContain('CreatedBy')
  })

  test('with provenance on, 12 extra tags or a CreatedBy tag are refused before any request', async () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `t${i}=v`).join('\n')
    for (const tags of [twelve, 'createdby=me']) {
      const result = await world.run({ 'secret-name': 'prov-limit', tags })
      expect(result.exitCode).toBe(1)
      expect(errors(result)).toEqual([expect.stringMatching(/^::error::Input 'tags': /)])
    }
    expect(world.azure.requests).toEqual([])
    const eleven = Array.from({ length: 11 }, (_, i) => `t${i}=v`).join('\n')
    const ok = await world.run({ 'secret-name': 'prov-limit', tags: eleven }, { env: runVariables })
    expect(ok.exitCode).toBe(0)
    expect(Object.keys(world.versions('prov-limit')[0].tags ?? {})).toHaveLength(15)
  })

  test('a missing run variable: the secret is made without the tag, with a warning', async () => {
    const result = await world.run({ 'secret-name': 'prov-norun' }, { env: { GITHUB_RUN_ID: '' } })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/::warning::No CreatedBy tag: GITHUB_RUN_ID '' is not a run number/)
    expect(Object.keys(world.versions('prov-norun')[0].tags ?? {})).not.toContain('CreatedBy')
  })

  test('if-exists: reuse leaves an existing secret as it was; new-version tags the new version', async () => {
    const first = await world.run({ 'secret-name': 'prov-old', provenance: 'false' })
    expect(first.exitCode).toBe(0)
    world.azure.clearLogs()
    const reuse = await world.run({ 'secret-name': 'prov-old', 'if-exists': 'reuse' }, { env: runVariables })
    expect(reuse.exitCode).toBe(0)
    expect(operations(world.azure)).not.toContain('setSecret')
    expect(operations(world.azure).filter((op) => /update/i.test(op))).toEqual([])
    expect(world.versions('prov-old')).toHaveLength(1)
    expect(Object.keys(world.versions('prov-old')[0].tags ?? {})).not.toContain('CreatedBy')
    const rotate = await world.run({ 'secret-name': 'prov-old', 'if-exists': 'new-version' }, { env: runVariables })
    expect(rotate.exitCode).toBe(0)
    expect(world.versions('prov-old')[1].tags?.['CreatedBy']).toBe(expected)
  })
})
