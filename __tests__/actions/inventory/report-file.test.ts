/**
 * The inventory of a big vault (1,000 BEKs of 3 versions each, as ADE names them) from its
 * bundle: every output stays under GitHub's 1,000,000-byte limit and the job summary under the
 * runner's 1 MiB, the at-risk versions survive the cut, and report-file holds the full list
 * (JSON, or CSV by its extension; mode 0644). A report-file outside the workspace is refused
 * before any request.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeJobDir, runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { useWorld, errors } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'inventory', 'index.js')
const BIG = 'bek-big'
const MAX_OUTPUT_BYTES = 1_000_000
const MAX_SUMMARY_BYTES = 1024 * 1024
const AT_RISK = 5
let job: { dir: string; workspace: string }

const kid = (key: string, version: string): string => `https://${BIG}.vault.azure.net/keys/${key}/${version}`
const bekTags = (kekUrl: string): Record<string, string> => ({
  DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
  DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
  DiskEncryptionKeyEncryptionKeyURL: kekUrl,
  MachineName: 'vm-web-frontend-0001',
  CreatedBy: 'https://github.com/contoso/infra/actions/runs/12345678901/attempts/1'
})

async function inventory(inputs: Record<string, string> = {}): Promise<RunActionResult> {
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    inputs: { 'key-vault': BIG, 'client-id': clientId!, 'tenant-id': tenantId!, ...inputs },
    jobDir: job.dir,
    timeoutMs: 120_000
  })
  expect(leaks(result, { tokens: issuedTokens(world.azure) })).toEqual([])
  return result
}

const warnings = (result: RunActionResult): string[] => result.stdout.split('\n').filter((line) => line.startsWith('::warning::'))

beforeAll(async () => {
  job = await makeJobDir()
  const kv = world.azure.keyVault
  kv.createVault(BIG)
  kv.grant(BIG, world.objectId, 'Key Vault Secrets User')
  kv.grant(BIG, world.objectId, 'Key Vault Crypto Service Encryption User')
  const versions = [(await kv.createKey(BIG, 'kek', { size: 2048 })).version]
  versions.push((await kv.createKey(BIG, 'kek', { size: 2048 })).version)
  versions.push((await kv.createKey(BIG, 'kek', { size: 2048 })).version)
  const off = (await kv.createKey(BIG, 'kek-off', { size: 2048 })).version
  kv.updateKey(BIG, 'kek-off', { enabled: false })
  // ADE's names are GUIDs: the at-risk BEKs sort last, where a plain cut would drop them.
  for (let i = 0; i < 1000; i++) {
    const name = i < 1000 - AT_RISK ? randomUUID() : `ffffffff-${randomUUID().slice(9)}`
    for (const version of versions) {
      const kek = i >= 1000 - AT_RISK && version === versions[0] ? kid('kek-off', off) : kid('kek', version)
      kv.setSecret(BIG, name, { value: 'x', contentType: 'Wrapped BEK', tags: bekTags(kek) })
    }
  }
}, 120_000)

afterAll(() => rmSync(job.dir, { recursive: true, force: true }))

describe('inventory of 1,000 BEKs x 3 versions', () => {
  test('outputs and the summary stay under the limits, at-risk first; report-file (JSON, 0644) has them all', async () => {
    // An earlier file of another mode: the report replaces it, readable by the later steps.
    mkdirSync(job.workspace, { recursive: true })
    writeFileSync(join(job.workspace, 'bek-report.json'), 'old')
    chmodSync(join(job.workspace, 'bek-report.json'), 0o600)
    const result = await inventory({ 'report-file': 'bek-report.json' })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)

    for (const [name, value] of Object.entries(result.outputs))
      expect([name, Buffer.byteLength(value) <= MAX_OUTPUT_BYTES]).toEqual([name, true])
    const beks = JSON.parse(result.outputs.beks!) as Array<{ name: string; enabled: boolean; 'kek-state': string }>
    expect(beks.length).toBeLessThan(3000)
    expect(beks.slice(0, AT_RISK).map((b) => b['kek-state'])).toEqual(Array(AT_RISK).fill('disabled'))
    expect(result.outputs['at-risk-count']).toBe(String(AT_RISK))
    expect(JSON.parse(result.outputs['kek-versions']!)).toHaveLength(4)
    expect(warnings(result)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^::warning::The beks output holds ${beks.length} of 3000 entries, at-risk ones first: .*the full list is in report-file 'bek-report.json'`
        )
      )
    )

    expect(Buffer.byteLength(result.summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES)
    const shownRows = (result.summary.match(/<tr>/g) ?? []).length - 1
    expect(shownRows).toBeGreaterThan(AT_RISK)
    expect(result.summary.includes(`${3000 - shownRows} more BEK version(s) not shown`)).toBe(true)
    expect(result.summary.includes('the full list is in report-file bek-report.json')).toBe(true)
    // The at-risk rows come first.
    expect(result.summary.indexOf('kek-off') < result.summary.indexOf('<td>ok</td>')).toBe(true)

    const file = join(job.workspace, 'bek-report.json')
    expect(statSync(file).mode & 0o777).toBe(0o644)
    const report = JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, unknown>>
    expect(report).toHaveLength(3000)
    expect(Object.keys(report[0]!)).toEqual([
      'name',
      'secret-url',
      'kek-url',
      'algorithm',
      'file-name',
      'enabled',
      'created',
      'created-by',
      'kek-state'
    ])
    expect(report.filter((r) => r['kek-state'] === 'disabled')).toHaveLength(AT_RISK)
  }, 120_000)

  test('a report-file ending in .csv is CSV, in a folder made for it', async () => {
    const result = await inventory({ 'report-file': 'reports/bek.CSV' })
    expect(result.exitCode).toBe(0)
    const lines = readFileSync(join(job.workspace, 'reports', 'bek.CSV'), 'utf8').split('\r\n')
    expect(lines[0]).toBe('name,secret-url,kek-url,algorithm,file-name,enabled,created,created-by,kek-state')
    expect(lines.filter(Boolean)).toHaveLength(3001)
    expect(lines[1]).toMatch(
      /^[0-9a-f-]{36},https:\/\/bek-big\.vault\.azure\.net\/secrets\/[0-9a-f-]{36}\/[0-9a-f]{32},https:\/\/bek-big\.vault\.azure\.net\/keys\//
    )
  }, 120_000)

  test('without report-file, the warning says how to get the full list', async () => {
    const result = await inventory()
    expect(result.exitCode).toBe(0)
    expect(Buffer.byteLength(result.outputs.beks!)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES)
    expect(warnings(result)).toContainEqual(expect.stringContaining('set report-file (a path in the workspace'))
    expect(result.summary.includes('set report-file to get the full list as a file')).toBe(true)
  }, 120_000)
})

describe('report-file outside the workspace', () => {
  test.each(['../bek-report.json', '/tmp/bek-report.json', '.'])('%s fails before any request, naming the input', async (path) => {
    const result = await inventory({ 'report-file': path })
    expect(result.exitCode).toBe(1)
    const [error, ...more] = errors(result)
    expect(more).toEqual([])
    expect(error).toMatch(/^::error::Input 'report-file': '.*' is outside the workspace; give a file path inside the workspace/)
    expect(world.azure.requests).toHaveLength(0)
  })
})
