/**
 * report-file: the whole estate as a file in the workspace, JSON ({generated, subscriptions, vms,
 * disks, kek-versions} and the counts) or CSV (one row per disk and snapshot), mode 0644; a path
 * outside the workspace fails before any request, naming the input.
 */
import { beforeAll, expect, test } from '@jest/globals'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { provisionDemoEstate, type DemoEstate } from '../../../emulator/estate.ts'
import { makeJobDir, runAction } from '../../../emulator/runner.ts'
import { errors, useWorld } from '../world.ts'

const world = useWorld()
const ENTRY = join(process.cwd(), 'dist', 'estate', 'index.js')
let estate: DemoEstate

beforeAll(async () => {
  estate = await provisionDemoEstate(world.azure, { objectId: world.objectId })
}, 60_000)

async function runEstate(reportFile: string) {
  const job = await makeJobDir()
  const { 'client-id': clientId, 'tenant-id': tenantId } = world.inputs
  const result = await runAction({
    localAzure: world.azure,
    entry: ENTRY,
    jobDir: job.dir,
    inputs: { 'subscription-ids': estate.subscriptionId, 'client-id': clientId!, 'tenant-id': tenantId!, 'report-file': reportFile },
    timeoutMs: 60_000
  })
  return { result, workspace: job.workspace }
}

test('JSON: the whole report with the counts, as the outputs give it', async () => {
  const { result, workspace } = await runEstate('reports/estate.json')
  expect(errors(result)).toEqual([])
  expect(result.exitCode).toBe(0)
  const path = join(workspace, 'reports', 'estate.json')
  expect(statSync(path).mode & 0o777).toBe(0o644)
  const report = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  expect(Object.keys(report)).toEqual(
    expect.arrayContaining(['generated', 'subscriptions', 'vms', 'disks', 'kek-versions', 'at-risk-count', 'unknown-count'])
  )
  expect(report['subscriptions']).toEqual([estate.subscriptionId])
  expect(report['vms']).toEqual(JSON.parse(result.outputs['vms']!))
  expect(report['disks']).toEqual(JSON.parse(result.outputs['disks']!))
  expect(report['kek-versions']).toEqual(JSON.parse(result.outputs['kek-versions']!))
  expect(String(report['at-risk-count'])).toBe(result.outputs['at-risk-count'])
  expect(String(report['unknown-count'])).toBe(result.outputs['unknown-count'])
})

test('CSV: one row per disk and snapshot, in the columns issue 20 names', async () => {
  const { result, workspace } = await runEstate('estate.csv')
  expect(result.exitCode).toBe(0)
  const lines = readFileSync(join(workspace, 'estate.csv'), 'utf8').trimEnd().split('\r\n')
  expect(lines[0]).toBe('id,vm,role,lun,state,secret-url,kek-url,secret,kek,unwrap,at-risk')
  const disks = JSON.parse(result.outputs['disks']!) as Array<{ id: string; 'at-risk': boolean }>
  expect(lines).toHaveLength(disks.length + 1)
  const atRisk = lines.slice(1).filter((line) => line.endsWith(',true')).length
  expect(atRisk).toBe(Number(result.outputs['at-risk-count']))
})

test('a report-file outside the workspace fails before any request, naming the input', async () => {
  world.azure.clearLogs()
  const { result } = await runEstate('../outside.json')
  expect(result.exitCode).toBe(1)
  expect(errors(result)).toEqual([expect.stringMatching(/^::error::Input 'report-file': '\.\.\/outside\.json' is outside the workspace/)])
  expect(world.azure.requests).toEqual([])
})
