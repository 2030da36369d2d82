/**
 * Issue 19, item 18: a secret whose DiskEncryptionKeyFileName tag is a Windows `<GUID>.BEK`
 * must unwrap to that BitLocker startup-key file before it is rewrapped. A vault (or proxy)
 * answering the old unwrap with other bytes is caught by name, and nothing is stored; a raw
 * 32-byte key (what the root action stores for Windows by default) is rewrapped with a warning.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { buildBekFile } from '../../fixtures/bek-file.ts'
import { VAULT, errors, useWorld } from '../world.ts'
import { RewrapWorld, errorFor } from './rewrap-world.ts'

const world = useWorld()
const r = new RewrapWorld(world)
const GUID = '6F1A3C52-9B0D-4E27-A1C4-3D5E7F901B2C'
const OTHER = '0B5D3E1A-2C4F-4A6B-8D9E-1F2A3B4C5D6E'
let v2 = ''

beforeAll(async () => {
  r.v1 = r.rememberKek()
  r.seed('win-good', { bytes: buildBekFile({ guid: GUID }).bytes, fileName: `${GUID}.BEK` })
  r.seed('win-swapped', { bytes: buildBekFile({ guid: GUID }).bytes, fileName: `${GUID}.BEK` })
  r.seed('win-junk', { bytes: buildBekFile({ guid: GUID, withVolumeGuid: true }).bytes, fileName: `${GUID}.BEK` })
  r.seed('win-raw', { fileName: `${GUID}.BEK` })
  v2 = (await world.azure.keyVault.createKey(VAULT, 'disk-kek', { size: 3072 })).version
})

const oldUnwrap = (): RegExp => new RegExp(`^/keys/disk-kek/${r.v1}/unwrapkey/?$`, 'i')

describe('rewrap of Windows .BEK secrets', () => {
  test('an old unwrap answering another startup key, or bytes that are no .BEK file: named, nothing stored', async () => {
    const other = buildBekFile({ guid: OTHER }).bytes.toString('base64url')
    r.extraSensitive.push(other)
    world.azure.faults.add({ method: 'POST', path: oldUnwrap(), answerAfterHandling: (body) => ({ ...body, value: other }) })
    world.azure.faults.add({
      method: 'POST',
      path: oldUnwrap(),
      answerAfterHandling: (body) => ({ ...body, value: randomBytes(180).toString('base64url') })
    })
    const result = await r.rewrap({ 'secret-name': 'win-swapped\nwin-junk', 'max-parallel': '1' })
    expect(result.exitCode).toBe(1)
    expect(errorFor(result, 'win-swapped')).toContain(
      `is not the BitLocker startup key ${GUID}.BEK its DiskEncryptionKeyFileName tag names (its GUID is ${OTHER}); nothing was stored.`
    )
    expect(errorFor(result, 'win-junk')).toContain(`is not the BitLocker startup key ${GUID}.BEK`)
    for (const name of ['win-swapped', 'win-junk']) expect(world.versions(name)).toHaveLength(1)
    expect(world.azure.requests.filter((q) => q.method === 'PUT' || /\/wrapkey/i.test(q.path))).toEqual([])

    world.azure.faults.clear()
    const rerun = await r.rewrap({ 'secret-name': 'win-swapped\nwin-junk' })
    expect(errors(rerun)).toEqual([])
    for (const name of ['win-swapped', 'win-junk']) r.expectDone(name, v2)
  }, 60_000)

  test('a real startup-key file is rewrapped; a raw key tagged as one is rewrapped with a warning naming it', async () => {
    const result = await r.rewrap({ 'secret-name': 'win-good\nwin-raw' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    r.expectDone('win-good', v2)
    r.expectDone('win-raw', v2)
    const warnings = result.stdout.split('\n').filter((line) => line.startsWith('::warning::'))
    expect(warnings).toEqual([expect.stringContaining('hold a raw 32-byte key, not a BitLocker startup-key file: win-raw.')])
  }, 60_000)
})
