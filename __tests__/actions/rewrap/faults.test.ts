/**
 * The rewrap bundle under the faults of issue 19 (items 1, 3, 5, 6, 7, 15): a verify answer
 * lost or of other bytes, a disable that fails, a wrapkey answering junk, a store whose outcome
 * is unknown, a hostile id, another run's version. Each run must end with every selected secret
 * either on the target with a verified latest version or named on one line with what happened
 * and what to do; a re-run finishes the rest; no enabled version on the target is unverified
 * (checked with the KEK's private key, outside the vault). Debug on, every run leak-scanned.
 */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { injectedCommands } from '../hostile.ts'
import { VAULT, errors, useWorld } from '../world.ts'
import { RewrapWorld, errorFor, kid } from './rewrap-world.ts'

const world = useWorld()
const r = new RewrapWorld(world)
let v2 = ''

beforeAll(async () => {
  r.v1 = r.rememberKek()
  for (const name of ['batch-a', 'batch-b', 'batch-c']) r.seed(name)
  v2 = (await world.azure.keyVault.createKey(VAULT, 'disk-kek', { size: 3072 })).version // the rotation
})

const path = (version: string, operation: 'wrapkey' | 'unwrapkey'): RegExp => new RegExp(`^/keys/disk-kek/${version}/${operation}/?$`, 'i')
const verify = (): RegExp => path(v2, 'unwrapkey')
const requests = (method: string, name: string): number =>
  world.azure.requests.filter((q) => q.method === method && q.path.toLowerCase().startsWith(`/secrets/${name.toLowerCase()}`)).length

describe('rewrap under faults', () => {
  test('a verify answer lost four times in a batch: that secret is named, nothing of it stored; a re-run without secret-name finishes it', async () => {
    world.azure.faults.add({ method: 'POST', path: verify(), resetAfterHandling: true, times: 4 })
    const result = await r.rewrap({ 'max-parallel': '1' })
    expect(result.exitCode).toBe(1)
    const line = errorFor(result, 'batch-a')
    expect(line).toMatch(/^::error::batch-a: Verification failed, so nothing was stored: .*ECONNRESET.* re-run the step/i)
    expect(world.versions('batch-a')).toHaveLength(1)
    expect(JSON.parse(result.outputs.rewrapped!).map((x: { name: string }) => x.name)).toEqual(['batch-b', 'batch-c'])
    expect(errors(result).at(-1)).toContain('1 of 3 secret(s) were not rewrapped')
    for (const name of ['batch-a', 'batch-b', 'batch-c']) r.expectNoUnverified(name, v2)

    world.azure.clearLogs()
    const rerun = await r.rewrap()
    expect(errors(rerun)).toEqual([])
    expect(rerun.exitCode).toBe(0)
    expect(JSON.parse(rerun.outputs.rewrapped!).map((x: { name: string }) => x.name)).toEqual(['batch-a'])
    for (const name of ['batch-a', 'batch-b', 'batch-c']) r.expectDone(name, v2)
  }, 90_000)

  test('a verify that unwraps to other bytes, with PATCH failing too: nothing stored, nothing to disable, verification named; a re-run finishes', async () => {
    r.seed('wrong-bytes')
    world.azure.faults.add({
      method: 'POST',
      path: verify(),
      answerAfterHandling: (body) => ({ ...body, value: randomBytes(32).toString('base64url') })
    })
    world.azure.faults.add({ method: 'PATCH', status: 500, body: { error: { code: 'InternalError', message: 'boom' } }, times: 20 })
    const result = await r.rewrap({ 'secret-name': 'wrong-bytes' })
    expect(result.exitCode).toBe(1)
    expect(errorFor(result, 'wrong-bytes')).toMatch(
      /^::error::wrong-bytes: Verification failed, so nothing was stored: Key Vault unwrapped the new wrap with \S+ to a different key\. Re-run the step/
    )
    expect(world.versions('wrong-bytes')).toHaveLength(1)
    expect(requests('PUT', 'wrong-bytes') + requests('PATCH', 'wrong-bytes')).toBe(0)
    expect(errors(result).at(-1)).toContain('1 of 1 secret(s) were not rewrapped (each listed above with what to do); none was rewrapped.')

    world.azure.faults.clear()
    const rerun = await r.rewrap({ 'secret-name': 'wrong-bytes' })
    expect(rerun.exitCode).toBe(0)
    r.expectDone('wrong-bytes', v2)
  }, 60_000)

  test('a wrapkey answer of the wrong size, or not base64url, is refused before anything is stored', async () => {
    r.seed('junk-1')
    r.seed('junk-2')
    world.azure.faults.add({ method: 'POST', path: path(v2, 'wrapkey'), answerAfterHandling: (body) => ({ ...body, value: 'AAAA' }) })
    const notBase64 = `${'A'.repeat(511)}!`
    world.azure.faults.add({ method: 'POST', path: path(v2, 'wrapkey'), answerAfterHandling: (body) => ({ ...body, value: notBase64 }) })
    r.extraSensitive.push(notBase64)
    const result = await r.rewrap({ 'secret-name': 'junk-1\njunk-2', 'max-parallel': '1' })
    expect(result.exitCode).toBe(1)
    for (const name of ['junk-1', 'junk-2']) {
      expect(errorFor(result, name)).toContain('is not one RSA-3072 block in base64url')
      expect(errorFor(result, name)).toContain('nothing was stored')
      expect(world.versions(name)).toHaveLength(1)
      expect(requests('PUT', name)).toBe(0)
    }
    world.azure.faults.clear()
    const rerun = await r.rewrap({ 'secret-name': 'junk-1\njunk-2' })
    expect(rerun.exitCode).toBe(0)
    for (const name of ['junk-1', 'junk-2']) r.expectDone(name, v2)
  }, 60_000)

  test("a store whose outcome is unknown (PUT 500, versions unreadable): the rewrap's own advice, a verified version, a re-run that finds it done", async () => {
    r.seed('unknown')
    world.azure.faults.add({
      method: 'PUT',
      path: /^\/secrets\/unknown$/,
      statusAfterHandling: 500,
      body: { error: { code: 'InternalError' } }
    })
    world.azure.faults.add({
      method: 'GET',
      path: /^\/secrets\/unknown\/versions/,
      status: 500,
      body: { error: { code: 'InternalError' } },
      times: 20
    })
    const result = await r.rewrap({ 'secret-name': 'unknown' })
    expect(result.exitCode).toBe(1)
    const line = errorFor(result, 'unknown')!
    expect(line).toContain('Storing the new version failed')
    expect(line).toContain('az keyvault secret list-versions --vault-name bek-e2e --name unknown')
    expect(line).toContain('a secret already on the target KEK is skipped')
    expect(result.stdout).not.toContain('if-exists')
    r.expectNoUnverified('unknown', v2) // what the vault stored is the value verified before the PUT

    world.azure.faults.clear()
    const rerun = await r.rewrap({ 'secret-name': 'unknown' })
    expect(rerun.exitCode).toBe(0)
    expect(JSON.parse(rerun.outputs.skipped!)).toEqual([{ name: 'unknown', reason: `current: already on ${kid(v2)}` }])
    r.expectDone('unknown', v2)
  }, 60_000)

  test('a store stalled past the deadline: named, no raw abort text, no if-exists; the stored version is verified', async () => {
    r.seed('stalled')
    world.azure.faults.add({ method: 'PUT', path: /^\/secrets\/stalled$/, stallAfterHandling: true })
    const result = await r.rewrap({ 'secret-name': 'stalled', 'timeout-seconds': '10' })
    expect(result.exitCode).toBe(1)
    const line = errorFor(result, 'stalled')!
    expect(line).toContain("Storing the new version was cut off by the step's deadline (timeout-seconds: 10)")
    expect(line).toContain('Raise timeout-seconds')
    expect(result.stdout).not.toMatch(/if-exists|::error::(?:The operation was )?abort/i)
    r.expectNoUnverified('stalled', v2)
    world.azure.faults.clear()
    expect((await r.rewrap({ 'secret-name': 'stalled' })).exitCode).toBe(0)
    r.expectDone('stalled', v2)
  }, 60_000)

  test('a secret GET answering a hostile id (another host, a newline, a workflow command) is refused, named, and never an output', async () => {
    r.seed('hostile-id')
    const hostile = 'https://evil.example.com/secrets/hostile-id/0123456789abcdef0123456789abcdef\n::warning::pwned'
    world.azure.faults.add({ method: 'GET', path: /^\/secrets\/hostile-id\/?$/, answerAfterHandling: (body) => ({ ...body, id: hostile }) })
    const result = await r.rewrap({ 'secret-name': 'hostile-id' })
    expect(result.exitCode).toBe(1)
    expect(injectedCommands(result)).toEqual([])
    expect(errorFor(result, 'hostile-id')).toContain('refusing to use it')
    expect(JSON.stringify(result.outputs)).not.toContain('evil')
    expect(result.summary).not.toContain('\n::warning::pwned')
    expect(world.versions('hostile-id')).toHaveLength(1)
    expect(world.azure.requests.filter((q) => q.method === 'POST' && q.host.includes('.vault.'))).toEqual([])
  }, 60_000)

  test('a version another run wrote since this one read the secret is reported, not stored over', async () => {
    r.seed('raced')
    let written = ''
    world.azure.faults.add({
      method: 'POST',
      path: path(v2, 'wrapkey'),
      answerAfterHandling: (body) => {
        // Another rewrap (or client) stores its version while this one is wrapping.
        const { value, contentType, tags } = world.versions('raced')[0]!
        written = world.azure.keyVault.setSecret(VAULT, 'raced', { value, contentType, tags }).id
        return body
      }
    })
    const result = await r.rewrap({ 'secret-name': 'raced' })
    expect(result.exitCode).toBe(1)
    const line = errorFor(result, 'raced')!
    expect(line).toContain(`Its latest version is now ${written}`)
    expect(line).toContain('another run or client wrote it since, so nothing was stored over it')
    expect(world.versions('raced')).toHaveLength(2) // the seed and the other run's; none of this run's
    expect(requests('PUT', 'raced')).toBe(0)
  }, 60_000)

  test('a store answer with other tags than were sent: that version is disabled, named; a re-run rewraps the version before it', async () => {
    const seeded = r.seed('answer-tags')
    world.azure.faults.add({
      method: 'PUT',
      path: /^\/secrets\/answer-tags$/,
      answerAfterHandling: (body) => ({ ...body, tags: { ...(body.tags as object), MachineName: 'evil' } })
    })
    const result = await r.rewrap({ 'secret-name': 'answer-tags' })
    expect(result.exitCode).toBe(1)
    expect(errorFor(result, 'answer-tags')).toMatch(
      /holds a different tags from the one sent; that version was disabled so that nothing uses it\. Re-run the step\.$/
    )
    const [before, failed] = world.versions('answer-tags')
    expect(failed!.attributes.enabled).toBe(false)

    world.azure.faults.clear()
    const rerun = await r.rewrap({ 'secret-name': 'answer-tags' })
    expect(errors(rerun)).toEqual([])
    expect(JSON.parse(rerun.outputs.rewrapped!)).toEqual([
      expect.objectContaining({ name: 'answer-tags', 'previous-secret-url': before!.id })
    ])
    r.expectDone('answer-tags', v2)
    expect(r.plaintext.get('answer-tags')).toBe(seeded)
  }, 60_000)

  test('a disabled version left on the target by an earlier failed rewrap: a re-run without secret-name finishes that secret', async () => {
    r.seed('left-over')
    const [seeded] = world.versions('left-over')
    // What a release before verify-before-store left: the new version stored, failed, disabled.
    world.azure.keyVault.setSecret(VAULT, 'left-over', {
      value: randomBytes(384).toString('base64url'),
      contentType: 'Wrapped BEK',
      tags: { ...seeded!.tags, DiskEncryptionKeyEncryptionKeyURL: kid(v2) },
      enabled: false
    })
    const result = await r.rewrap()
    expect(errors(result)).toEqual([])
    const row = (JSON.parse(result.outputs.rewrapped!) as Array<Record<string, string>>).find((x) => x.name === 'left-over')
    expect(row).toEqual(expect.objectContaining({ 'previous-secret-url': seeded!.id, 'previous-kek-url': kid(r.v1) }))
    r.expectDone('left-over', v2)
  }, 60_000)

  test('a wrapkey 400 that echoes its request: the key in it is masked before the request went out', async () => {
    const bytes = r.seed('echoed')
    world.azure.faults.add({ method: 'POST', path: path(v2, 'wrapkey'), status: 400, echoRequest: true })
    const result = await r.rewrap({ 'secret-name': 'echoed' }, true)
    expect(result.exitCode).toBe(1)
    // The echo reached the error (so the scan above means something): the client cut the key out of
    // it, and the runner's mask, sent before the request, would hide any copy it missed.
    const line = errorFor(result, 'echoed')!
    expect(line).toContain('"value":"***"')
    expect(line).not.toContain(bytes.toString('base64url'))
    const maskAt = result.stdout.indexOf(`::add-mask::${bytes.toString('base64url')}`)
    expect(maskAt).toBeGreaterThan(-1)
    expect(maskAt).toBeLessThan(result.stdout.indexOf(line))
    expect(world.versions('echoed')).toHaveLength(1)
  }, 60_000)
})
