/**
 * The post step (dist/post/index.js) run as the runner runs it, with STATE_* set by hand to what
 * the main step could never have recorded: it acts only on what it can check. A path outside the
 * job's folders, or one that climbs out with `..`, is left alone; a FIFO is never opened (opening
 * one for writing waits for a reader); a count that no run writes does not loop for ever. Each
 * refusal is one line that says what was refused and the command that deletes it by hand.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { POST_ENTRY, makeJobDir, runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { MAX_COUNT } from '../../../src/actions/create/inputs.ts'
import { MAX_KEY_FILES } from '../../../src/handoff/state.ts'
import { errors, useWorld } from '../world.ts'

const world = useWorld()
const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

async function newJob(): Promise<Awaited<ReturnType<typeof makeJobDir>>> {
  const job = await makeJobDir()
  dirs.push(job.dir)
  mkdirSync(job.runnerTemp, { recursive: true })
  mkdirSync(job.workspace, { recursive: true })
  return job
}

/** A file outside every job folder that the post step must leave as it is. */
function victim(): string {
  const dir = mkdtempSync(join(tmpdir(), 'not-the-job-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'keep-me'), 'keep me')
  return join(dir, 'keep-me')
}

/** The post step with `state`, stopped after 10 s (a hang fails the test, not the suite). */
function post(jobDir: string, state: Record<string, string>): Promise<RunActionResult> {
  return runAction({ localAzure: world.azure, inputs: {}, entry: POST_ENTRY, jobDir, state, timeoutMs: 10_000 })
}

const quoted = (path: string): string => `'${path}'`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('the post step trusts only what it can check', () => {
  test('a recorded path outside RUNNER_TEMP and the workspace is left alone, with the command to delete it', async () => {
    const { dir } = await newJob()
    const path = victim()
    const result = await post(dir, { key_output_count: '1', key_output_file_0: path })
    expect(result.timedOut).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe('keep me')
    expect(errors(result)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::error::Did not delete .*keep-me, which this action's state names as a key file: it is outside RUNNER_TEMP .*shred -u -- ${quoted(path)}$`
        )
      )
    ])
    expect(result.exitCode).toBe(1)
    expect(world.azure.requests).toEqual([])
  })

  test("a recorded path that climbs out of RUNNER_TEMP with '..' is left alone", async () => {
    const { dir, runnerTemp } = await newJob()
    writeFileSync(join(dir, 'job-file'), 'keep me')
    const path = `${runnerTemp}/../job-file`
    const result = await post(dir, { key_output_count: '1', key_output_file_0: path })
    expect(readFileSync(join(dir, 'job-file'), 'utf8')).toBe('keep me')
    expect(errors(result)).toEqual([
      expect.stringMatching(/^::error::Did not delete .*\/\.\.\/job-file, .*: it is not a plain path .*shred -u -- '/)
    ])
    expect(result.exitCode).toBe(1)
  })

  test('a FIFO at the recorded path is not opened: the step ends at once, naming it', async () => {
    const { dir, runnerTemp } = await newJob()
    const path = join(runnerTemp, 'disk.key')
    execFileSync('mkfifo', [path])
    const result = await post(dir, { key_output_count: '1', key_output_file_0: path })
    expect(result.timedOut).toBe(false)
    expect(result.durationMs).toBeLessThan(5000)
    expect(lstatSync(path).isFIFO()).toBe(true)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::error::Did not delete .*disk\\.key, .*: it is a FIFO, not the regular file the main step wrote\\. .*rm -f -- ${quoted(path)}$`
        )
      )
    ])
    expect(result.exitCode).toBe(1)
  })

  test.each(['Infinity', '1000000000', '-1', 'lots'])(
    'a count of %s does not loop for ever: the first 1000 entries are looked at',
    async (count) => {
      const { dir, runnerTemp } = await newJob()
      const path = join(runnerTemp, 'disk.key')
      writeFileSync(path, Buffer.alloc(32, 7), { mode: 0o600 })
      const result = await post(dir, { key_output_count: count, key_output_file_0: path })
      expect(result.timedOut).toBe(false)
      expect(result.durationMs).toBeLessThan(5000)
      expect(existsSync(path)).toBe(false) // what the state does name is still deleted
      expect(result.stdout).toContain(`deleted the key file ${path}`)
      expect(result.stdout.split('\n').filter((line) => line.startsWith('::warning::'))).toEqual([
        `::warning::The number of key files in this action's state is '${count}', not a whole number from 0 to 1000 (the most key files a run writes); only the first 1000 entries were looked at.`
      ])
      expect(errors(result)).toEqual([])
      expect(result.exitCode).toBe(0)
    }
  )

  test('a recorded key directory outside the job folders is not removed', async () => {
    const { dir } = await newJob()
    const outside = mkdtempSync(join(tmpdir(), 'not-the-job-dir-'))
    dirs.push(outside)
    const result = await post(dir, { key_output_count: '0', key_output_dir: outside })
    expect(existsSync(outside)).toBe(true)
    expect(errors(result)).toEqual([
      expect.stringMatching(new RegExp(`^::error::Did not delete .*: it is outside RUNNER_TEMP .*rmdir -- ${quoted(outside)}$`))
    ])
    expect(result.exitCode).toBe(1)
  })

  test('the cap is the most BEKs the main step makes', () => {
    expect(MAX_KEY_FILES).toBe(MAX_COUNT)
  })
})
