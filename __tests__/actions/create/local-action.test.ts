// `npm run local-action` (GitHub's @github/local-action, which runs src/actions/create/action.ts with a stubbed
// @actions/core) against the stand-ins, with the dotenv file `npm run emulator -- --write-env`
// writes. local-action exits 0 even when the action fails, so the test reads what it printed.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { localActionEnv } from '../../../emulator/local-action-env.ts'
import { VAULT, useWorld } from '../world.ts'

const world = useWorld()

function runLocalAction(envFile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/local-action.ts', envFile], {
      // Nothing from the test's environment but the tools' path: the run gets its Azure from the file.
      env: { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, HOME: dirname(envFile), npm_config_offline: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 150_000)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The outputs as local-action's setOutput stub prints them. */
function outputs(stdout: string): Record<string, string> {
  return Object.fromEntries([...stdout.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm)].map((m) => [m[1]!, m[2]!]))
}

describe('npm run local-action', () => {
  test('makes one BEK against the stand-ins and prints its outputs', async () => {
    const envFile = join(mkdtempSync(join(tmpdir(), 'local-action-')), '.env')
    writeFileSync(envFile, localActionEnv(world.azure, { ...world.inputs, 'os-type': 'linux' }))

    const result = await runLocalAction(envFile)
    expect(result.stdout.match(/^::error::.*$/gm) ?? []).toEqual([])
    const out = outputs(result.stdout)
    const name = out['secret-name']!
    expect(out['secret-url']).toMatch(new RegExp(`^https://${VAULT}\\.vault\\.azure\\.net/secrets/${name}/[0-9a-f]{32}$`))
    expect(JSON.parse(out['secrets']!)).toEqual([
      { name, 'secret-url': out['secret-url'], 'secret-version': out['secret-version'], 'kek-url': out['kek-url'] }
    ])
    const [stored, ...more] = world.versions(name)
    expect(more).toEqual([])
    expect(stored!.id).toBe(out['secret-url'])
    expect(world.unwrapLocally(stored!.value, 'RSA-OAEP')).toHaveLength(32)
    // The token came from the stand-in's endpoint, fetched by the action itself (local-action has no getIDToken).
    expect(world.azure.requests.some((r) => r.host.endsWith('actions.githubusercontent.com'))).toBe(true)
    const summaryFile = /^GITHUB_STEP_SUMMARY='(.*)'$/m.exec(readFileSync(envFile, 'utf8'))![1]!
    expect(readFileSync(summaryFile, 'utf8')).toContain(name)
  }, 180_000)
})
