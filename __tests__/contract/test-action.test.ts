// The test-action job of ci.yml, run here as .ci/run runs it: every action of the repository with
// `uses: ./<dir>` against the stand-ins, their outputs checked against the vault. A job whose action
// leaves out CreatedBy must fail, and so must a job without a step for an action folder.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from '@jest/globals'
import { parse } from 'yaml'

const dir = mkdtempSync(join(tmpdir(), 'test-action-job-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function runJob(workflow?: string) {
  const args = ['scripts/test-action.ts', 'local', ...(workflow ? [workflow] : [])]
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 90_000 })
  return { status: run.status, output: run.stdout + run.stderr }
}

/** The action folders (a folder with action.yml: the root and each first-level one) with no `uses: ./<dir>` step in the job. */
function actionsWithoutStep(ciYml: string): string[] {
  const steps = (parse(ciYml).jobs['test-action'].steps as Array<{ uses?: string }>).map((s) => s.uses)
  const folders = [
    '.',
    ...readdirSync('.', { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'node_modules' && existsSync(join(d.name, 'action.yml')))
      .map((d) => d.name)
  ]
  return folders.filter((dir) => !steps.some((uses) => uses === (dir === '.' ? './' : `./${dir}`) || uses === `./${dir}/`))
}

describe("ci.yml's test-action job covers every action folder", () => {
  test('each folder with an action.yml has a uses: ./<dir> step', () => {
    expect(actionsWithoutStep(readFileSync('.github/workflows/ci.yml', 'utf8'))).toEqual([])
  })

  test('a job without the restore-keys step is caught', () => {
    const ci = readFileSync('.github/workflows/ci.yml', 'utf8')
    expect(ci).toContain('        uses: ./restore-keys\n')
    expect(actionsWithoutStep(ci.replace('        uses: ./restore-keys\n', '        uses: ./inventory\n'))).toEqual(['restore-keys'])
  })
})

describe('the test-action job, run locally', () => {
  test("ci.yml's job passes: the outputs name the stored secret, its KEK version and this run, and the post step deletes the key", () => {
    const { status, output } = runJob()
    expect(output).toContain(
      'test-action: the outputs name the stored secret, its KEK version and this run; the key file holds its key; the inventory lists it'
    )
    expect(output).toMatch(/Overwrote with zeros and deleted the key file .*test-action\.key/)
    expect(output).toContain("test-action (local): 10 steps of ci.yml's test-action job and the post step passed")
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

  test('its check fails when the KEK is not rotated before the rewrap (nothing to rewrap)', () => {
    const workflow = join(dir, 'ci-no-rotation.yml')
    const ci = readFileSync('.github/workflows/ci.yml', 'utf8')
    const rotate = '"https://$VAULT.vault.azure.net/keys/$KEK/rotate?api-version=7.5"'
    expect(ci).toContain(rotate)
    // The same requests, reading the current version instead of rotating it.
    writeFileSync(workflow, ci.replace('-X POST', '-X GET').replace(rotate, '"https://$VAULT.vault.azure.net/keys/$KEK?api-version=7.5"'))
    const { status, output } = runJob(workflow)
    expect(output).toContain('::error::test-action: the KEK has 1 versions, not 2 after the rotation')
    expect(output).toMatch(/::error::test-action: rewrap output rewrapped '\[\]' is not the action's secret moved/)
    expect(status).toBe(1)
  }, 120_000)
})
