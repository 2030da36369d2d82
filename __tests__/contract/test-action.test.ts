// The test-action job of ci.yml, run here as .ci/run runs it: the action with `uses: ./` against the
// stand-ins, its outputs checked against the vault. A job whose action leaves out CreatedBy must fail.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from '@jest/globals'

const dir = mkdtempSync(join(tmpdir(), 'test-action-job-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function runJob(workflow?: string) {
  const args = ['scripts/test-action.ts', 'local', ...(workflow ? [workflow] : [])]
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 90_000 })
  return { status: run.status, output: run.stdout + run.stderr }
}

describe('the test-action job, run locally', () => {
  test("ci.yml's job passes: the outputs name the stored secret, its KEK version and this run, and the post step deletes the key", () => {
    const { status, output } = runJob()
    expect(output).toContain(
      'test-action: the outputs name the stored secret, its KEK version and this run; the key file holds its key; the inventory lists it'
    )
    expect(output).toMatch(/Overwrote with zeros and deleted the key file .*test-action\.key/)
    expect(output).toContain("test-action (local): 4 steps of ci.yml's test-action job and the post step passed")
    expect(status).toBe(0)
  }, 120_000)

  test('its check fails when the action does not do what the job expects (no CreatedBy tag)', () => {
    const workflow = join(dir, 'ci.yml')
    const ci = readFileSync('.github/workflows/ci.yml', 'utf8')
    expect(ci).toContain('          verify: true\n')
    writeFileSync(workflow, ci.replace('          verify: true\n', '          verify: true\n          provenance: false\n'))
    const { status, output } = runJob(workflow)
    expect(output).toMatch(
      /::error::test-action: tag CreatedBy 'undefined' is not this run, https:\/\/github\.com\/contoso\/azure-bek-action\/actions\/runs\/\d+\/attempts\/1/
    )
    expect(output).toContain('::error::test-action (local): Check the outputs against the vault failed (exit 1)')
    expect(status).toBe(1)
  }, 120_000)
})
