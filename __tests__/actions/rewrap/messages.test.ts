/**
 * Issue 19, items 11 and 16: the rewrap's messages. An old-version unwrap refused is named as
 * that (not as a verify), each secret's name is printed once, the closing line says what became
 * of the others, a refused wait gives the rewrap's own re-run advice (not the root action's
 * if-exists), and a BEK that keeps RSA1_5 is warned about by name.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { VAULT, errors, useWorld } from '../world.ts'
import { RewrapWorld, errorFor } from './rewrap-world.ts'

const world = useWorld()
const r = new RewrapWorld(world)
let v2 = ''

beforeAll(async () => {
  r.v1 = r.rememberKek()
  r.seed('d-normal')
  r.seed('d-throttled')
  r.seed('legacy', { algorithm: 'RSA1_5' })
  v2 = (await world.azure.keyVault.createKey(VAULT, 'disk-kek', { size: 3072 })).version
})

const oldUnwrap = (): RegExp => new RegExp(`^/keys/disk-kek/${r.v1}/unwrapkey`)

describe('rewrap messages', () => {
  test('an old-version unwrap refused: named once, as the unwrap of the BEK, with the role; the last line says none was rewrapped', async () => {
    const body = { error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.' } }
    world.azure.faults.add({ method: 'POST', path: oldUnwrap(), status: 403, body })
    const result = await r.rewrap({ 'secret-name': 'd-normal' })
    expect(result.exitCode).toBe(1)
    const line = errorFor(result, 'd-normal')!
    expect(line).not.toContain('d-normal: d-normal')
    expect(line).not.toContain('(verify)')
    expect(line).toContain('may not unwrap the BEK with the KEK version its tag names')
    expect(line).toContain("Grant it the RBAC role 'Key Vault Crypto Service Encryption User'")
    expect(errors(result).at(-1)).toContain('1 of 1 secret(s) were not rewrapped (each listed above with what to do); none was rewrapped.')
    expect(errors(result).at(-1)).not.toContain('the others were')
  }, 60_000)

  test("a throttled request whose wait is refused: the rewrap's re-run advice, not if-exists", async () => {
    world.azure.faults.add({
      method: 'POST',
      path: oldUnwrap(),
      status: 429,
      headers: { 'retry-after': '3600' },
      body: { error: { code: 'Throttled' } }
    })
    const result = await r.rewrap({ 'secret-name': 'd-throttled' })
    expect(result.exitCode).toBe(1)
    const line = errorFor(result, 'd-throttled')!
    expect(line).toContain('asked to wait 3600 s')
    expect(line).toContain('a secret already on the target KEK is skipped')
    expect(result.stdout).not.toContain('if-exists')
  }, 60_000)

  test('a BEK on RSA1_5 is rewrapped with it, with a warning naming it', async () => {
    const result = await r.rewrap({ 'secret-name': 'legacy' })
    expect(errors(result)).toEqual([])
    r.expectDone('legacy', v2)
    expect(world.versions('legacy').at(-1)!.tags!.DiskEncryptionKeyEncryptionAlgorithm).toBe('RSA1_5')
    expect(result.stdout).toMatch(/^::warning::1 secret\(s\) are wrapped with RSA1_5 and kept it: legacy\. .*set algorithm: RSA-OAEP/m)
  }, 60_000)
})
