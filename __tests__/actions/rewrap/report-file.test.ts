/**
 * The rewrap of a big vault from its bundle: 3 BEKs on the old KEK version next to 8,000
 * already on the target. Without secret-name, those are listed in `skipped` (as action.yml
 * says); that output stays under GitHub's 1,000,000-byte limit and the summary under 1 MiB,
 * and report-file holds every selected secret's outcome (JSON, or CSV by its extension; mode
 * 0644). A report-file outside the workspace is refused before any request.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { makeJobDir, runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { KEK, VAULT, useWorld, errors } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'rewrap', 'index.js')
const MAX_OUTPUT_BYTES = 1_000_000
const MAX_SUMMARY_BYTES = 1024 * 1024
const CURRENT = 8000
const OLD = ['bek-old-1', 'bek-old-2', 'bek-old-3']
const kid = (version: string): string => `https://${VAULT}.vault.azure.net/keys/${KEK}/${version}`
const v: Record<string, string> = {}
let job: { dir: string; workspace: string }
const plaintexts: Buffer[] = []
const wrapped: string[] = []

async function rewrap(inputs: Record<string, string> = {}): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    jobDir: job.dir,
    timeoutMs: 120_000
  })
  const current = OLD.flatMap((name) => world.versions(name).map((version) => version.value))
  expect(leaks(result, { plaintexts, tokens: issuedTokens(world.azure), wrapped: [...wrapped, ...current] })).toEqual([])
  return result
}

const warnings = (result: RunActionResult): string[] => result.stdout.split('\n').filter((line) => line.startsWith('::warning::'))

beforeAll(async () => {
  job = await makeJobDir()
  expect((await world.run({ 'secret-name': OLD.join('\n'), 'os-type': 'linux' })).exitCode).toBe(0)
  for (const name of OLD) {
    const value = world.versions(name)[0]!.value
    wrapped.push(value)
    plaintexts.push(world.unwrapLocally(value, 'RSA-OAEP'))
  }
  v.v1 = world.kekVersion
  v.v2 = (await world.azure.keyVault.createKey(VAULT, KEK, { size: 3072 })).version
  for (let i = 0; i < CURRENT; i++) {
    world.azure.keyVault.setSecret(VAULT, randomUUID(), {
      value: 'x',
      contentType: 'Wrapped BEK',
      tags: {
        DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
        DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
        DiskEncryptionKeyEncryptionKeyURL: kid(v.v2)
      }
    })
  }
}, 120_000)

afterAll(() => rmSync(job.dir, { recursive: true, force: true }))

describe('rewrap of a big vault', () => {
  test('the BEKs already on the target are skipped; outputs and summary stay under the limits; report-file has all', async () => {
    const result = await rewrap({ 'report-file': 'out/rewrap.json' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    const rewrapped = JSON.parse(result.outputs.rewrapped!) as Array<{ name: string }>
    expect(rewrapped.map((r) => r.name)).toEqual(OLD)

    for (const [name, value] of Object.entries(result.outputs)) {
      expect([name, Buffer.byteLength(value) <= MAX_OUTPUT_BYTES]).toEqual([name, true])
    }
    const skipped = JSON.parse(result.outputs.skipped!) as Array<{ name: string; reason: string }>
    expect(skipped.length).toBeGreaterThan(1000)
    expect(skipped.length).toBeLessThan(CURRENT)
    expect(skipped[0]!.reason).toBe(`current: already on ${kid(v.v2)}`)
    expect(warnings(result)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^::warning::The skipped output holds ${skipped.length} of ${CURRENT} entries.*the full list is in report-file 'out/rewrap.json'`
        )
      )
    )
    expect(Buffer.byteLength(result.summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES)
    expect(/<p>\d+ more secret\(s\) not shown: .*the full list is in report-file out\/rewrap\.json\.<\/p>/.test(result.summary)).toBe(true)
    expect(result.summary.includes('Rewrapped (3)')).toBe(true)

    const file = join(job.workspace, 'out', 'rewrap.json')
    expect(statSync(file).mode & 0o777).toBe(0o644)
    const rows = JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, string | null>>
    expect(rows).toHaveLength(CURRENT + OLD.length)
    expect(rows.filter((r) => r.outcome === 'rewrapped').map((r) => r.name)).toEqual(OLD)
    expect(rows.find((r) => r.outcome === 'rewrapped')).toEqual({
      name: OLD[0],
      outcome: 'rewrapped',
      'secret-url': world.versions(OLD[0]!)[1]!.id,
      'previous-secret-url': world.versions(OLD[0]!)[0]!.id,
      'kek-url': kid(v.v2),
      'previous-kek-url': kid(v.v1),
      reason: null
    })
    expect(rows.filter((r) => r.outcome === 'skipped')).toHaveLength(CURRENT)
  }, 120_000)

  test('a re-run lists every BEK as current in skipped, and report-file as CSV', async () => {
    const result = await rewrap({ 'report-file': 'rewrap.csv' })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.rewrapped!)).toEqual([])
    const lines = readFileSync(join(job.workspace, 'rewrap.csv'), 'utf8').split('\r\n').filter(Boolean)
    expect(lines[0]).toBe('name,outcome,secret-url,previous-secret-url,kek-url,previous-kek-url,reason')
    expect(lines).toHaveLength(1 + CURRENT + OLD.length)
    expect(lines.filter((line) => line.startsWith('bek-old-'))).toEqual(
      OLD.map((name) => `${name},skipped,,,,,current: already on ${kid(v.v2)}`)
    )
  }, 120_000)

  test('a report-file outside the workspace fails before any request, naming the input', async () => {
    const result = await rewrap({ 'report-file': '../../rewrap.json' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(/^::error::Input 'report-file': '\.\.\/\.\.\/rewrap\.json' is outside the workspace/)
    ])
    expect(world.azure.requests).toHaveLength(0)
  })
})
