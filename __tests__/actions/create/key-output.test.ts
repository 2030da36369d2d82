// key-output-file on the bundle: the exact wrapped bytes reach a later step, created safely,
// and the post step (run from the state the main step saved) overwrites and deletes them.
import { afterEach, describe, expect, test } from '@jest/globals'
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { POST_ENTRY, makeJobDir } from '../../../emulator/runner.ts'
import { VAULT, errors, useWorld } from '../world.ts'

const world = useWorld()
const jobs: string[] = []
afterEach(() => jobs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

type Job = Awaited<ReturnType<typeof makeJobDir>>
async function newJob(): Promise<Job> {
  const made = await makeJobDir()
  jobs.push(made.dir)
  return made
}

const secretName = (url: string): string => new URL(url).pathname.split('/')[2]!

describe('key-output-file', () => {
  test('one generated key: written 0600 with the bytes the vault stores, echoed, announced, then deleted by the post step', async () => {
    const { dir, runnerTemp } = await newJob()
    const path = join(runnerTemp, 'disk.key')
    const main = await world.run({ 'os-type': 'linux', 'key-output-file': path, verify: 'true' }, { jobDir: dir })
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(main.outputs['key-output-file']).toBe(path)
    const stat = lstatSync(path)
    expect(stat.isFile()).toBe(true)
    expect(stat.mode & 0o777).toBe(0o600)
    const [stored] = world.versions(secretName(main.outputs['secret-url']!))
    const key = readFileSync(path)
    expect(key).toHaveLength(32)
    expect(world.unwrapLocally(stored!.value, 'RSA-OAEP').equals(key)).toBe(true)
    expect(main.stdout).toContain(
      `The key is in ${path} (mode 0600); the post step of this action overwrites and deletes it at the end of the job.`
    )
    expect(main.summary).toContain(path)
    expect(main.summary).toContain('deletes it at the end of the job')

    world.azure.clearLogs()
    const post = await world.run({}, { jobDir: dir, entry: POST_ENTRY, state: main.state })
    expect(post.exitCode).toBe(0)
    expect(existsSync(path)).toBe(false)
    expect(post.stdout).toContain(`deleted the key file ${path}`)
    expect(world.azure.requests).toEqual([])
  })

  test('several BEKs: a 0700 directory of <secret-name>.key, each the key of its secret; the post step deletes them all', async () => {
    const { dir, workspace } = await newJob()
    const path = join(workspace, 'keys')
    const main = await world.run({ 'os-type': 'linux', 'key-output-file': path, count: '5' }, { jobDir: dir })
    expect(errors(main)).toEqual([])
    expect(lstatSync(path).mode & 0o777).toBe(0o700)
    const secrets = JSON.parse(main.outputs['secrets']!) as Array<{ name: string }>
    expect(readdirSync(path).sort()).toEqual(secrets.map((s) => `${s.name}.key`).sort())
    for (const { name } of secrets) {
      const file = join(path, `${name}.key`)
      expect(lstatSync(file).mode & 0o777).toBe(0o600)
      expect(world.unwrapLocally(world.versions(name)[0]!.value, 'RSA-OAEP').equals(readFileSync(file))).toBe(true)
    }
    expect(main.outputs['key-output-file']).toBe(path)
    expect(main.stdout).toContain(`5 key files (<secret-name>.key, mode 0600) are in ${path}`)

    const post = await world.run({}, { jobDir: dir, entry: POST_ENTRY, state: main.state })
    expect(post.exitCode).toBe(0)
    expect(existsSync(path)).toBe(false)
    expect(post.stdout.match(/deleted the key file/g)).toHaveLength(5)
  })

  test('a failed store leaves no key file; after a partial batch the post step deletes what was written', async () => {
    const { dir, runnerTemp } = await newJob()
    const single = join(runnerTemp, 'failed.key')
    world.azure.faults.add({ host: `${VAULT}.vault.azure.net`, method: 'PUT', path: /\/secrets\//, times: 10, status: 403 })
    const failed = await world.run({ 'os-type': 'linux', 'key-output-file': single }, { jobDir: dir })
    expect(failed.exitCode).toBe(1)
    expect(existsSync(single)).toBe(false)
    expect(failed.outputs['key-output-file']).toBeUndefined()
    world.azure.faults.clear()

    const names = Array.from({ length: 4 }, (_, i) => `vm-keyfile-${i}`)
    world.azure.faults.add({ host: `${VAULT}.vault.azure.net`, method: 'PUT', path: /\/secrets\/vm-keyfile-2$/, status: 403 })
    const path = join(runnerTemp, 'partial')
    const partial = await world.run(
      { 'os-type': 'linux', 'key-output-file': path, 'secret-name': names.join('\n'), 'max-parallel': '1' },
      { jobDir: dir }
    )
    expect(partial.exitCode).toBe(1)
    expect(readdirSync(path).sort()).toEqual(['vm-keyfile-0.key', 'vm-keyfile-1.key'])
    const post = await world.run({}, { jobDir: dir, entry: POST_ENTRY, state: partial.state })
    expect(post.exitCode).toBe(0)
    expect(existsSync(path)).toBe(false)
  })

  test('verify: a version that fails verification leaves no key file', async () => {
    const { dir, runnerTemp } = await newJob()
    const path = join(runnerTemp, 'unverified.key')
    world.azure.faults.add({ host: `${VAULT}.vault.azure.net`, method: 'POST', path: /\/unwrapkey$/, status: 403 })
    const result = await world.run({ 'os-type': 'linux', 'key-output-file': path, verify: 'true' }, { jobDir: dir })
    expect(result.exitCode).toBe(1)
    expect(existsSync(path)).toBe(false)
  })

  test('the post step never follows a link put where a key file was', async () => {
    const { dir, runnerTemp } = await newJob()
    const path = join(runnerTemp, 'swapped.key')
    const main = await world.run({ 'os-type': 'linux', 'key-output-file': path }, { jobDir: dir })
    expect(main.exitCode).toBe(0)
    const victim = join(runnerTemp, 'victim')
    writeFileSync(victim, 'keep me')
    rmSync(path)
    symlinkSync(victim, path)
    const post = await world.run({}, { jobDir: dir, entry: POST_ENTRY, state: main.state })
    expect(post.exitCode).toBe(1)
    expect(errors(post)).toEqual([
      expect.stringMatching(
        /Did not delete .*swapped\.key, .*: it is a symbolic link, not the regular file the main step wrote\. .*rm -f -- '.*swapped\.key'$/
      )
    ])
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
  })

  test('a directory every user may write is accepted with the sticky bit, as /tmp is', async () => {
    const { dir, runnerTemp } = await newJob()
    mkdirSync(join(runnerTemp, 'sticky'), { recursive: true })
    chmodSync(join(runnerTemp, 'sticky'), 0o1777)
    const path = join(runnerTemp, 'sticky', 'disk.key')
    const main = await world.run({ 'os-type': 'linux', 'key-output-file': path }, { jobDir: dir })
    expect(errors(main)).toEqual([])
    expect(lstatSync(path).mode & 0o777).toBe(0o600)
  })

  test('leak scan (debug on): the key is nowhere in the log, the summary or the outputs', async () => {
    const { dir, runnerTemp } = await newJob()
    const path = join(runnerTemp, 'scan.key')
    const main = await world.run({ 'os-type': 'linux', 'key-output-file': path }, { jobDir: dir, debug: true })
    expect(main.exitCode).toBe(0)
    const key = readFileSync(path)
    // The runner hides its mask commands (the key's base64url is masked before the wrapkey that carries it).
    expect(main.stdout).toContain(`::add-mask::${key.toString('base64url')}`)
    const log = main.stdout.replace(/^::add-mask::.*$/gm, '')
    const text = [log, main.stderr, main.summary, JSON.stringify(main.outputs), JSON.stringify(main.state)].join('\n')
    for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url'), key.toString('hex').toUpperCase()]) {
      expect(text).not.toContain(form)
    }
    expect(text).toContain(path)
  })
})

describe('bad key-output-file inputs fail before any request', () => {
  test.each<[string, (job: Job) => Record<string, string>, RegExp]>([
    [
      'an existing path',
      ({ runnerTemp }) => {
        writeFileSync(join(runnerTemp, 'there.key'), 'x')
        return { 'key-output-file': join(runnerTemp, 'there.key') }
      },
      /already exists/
    ],
    [
      'a dangling symlink',
      ({ runnerTemp }) => {
        symlinkSync(join(runnerTemp, 'nowhere'), join(runnerTemp, 'link.key'))
        return { 'key-output-file': join(runnerTemp, 'link.key') }
      },
      /already exists \(or is a link\)/
    ],
    [
      'a symlink to an existing file',
      ({ runnerTemp }) => {
        writeFileSync(join(runnerTemp, 'target'), 'keep me')
        symlinkSync(join(runnerTemp, 'target'), join(runnerTemp, 'to-target.key'))
        return { 'key-output-file': join(runnerTemp, 'to-target.key') }
      },
      /already exists \(or is a link\)/
    ],
    ['a path outside RUNNER_TEMP and the workspace', () => ({ 'key-output-file': join(tmpdir(), 'elsewhere.key') }), /outside RUNNER_TEMP/],
    [
      'a directory linked from RUNNER_TEMP to outside',
      ({ runnerTemp }) => {
        const outside = join(tmpdir(), `outside-${process.pid}`)
        mkdirSync(outside, { recursive: true })
        jobs.push(outside)
        symlinkSync(outside, join(runnerTemp, 'out'))
        return { 'key-output-file': join(runnerTemp, 'out', 'k.key') }
      },
      /outside RUNNER_TEMP/
    ],
    [
      'a directory every user may write, without the sticky bit',
      ({ runnerTemp }) => {
        mkdirSync(join(runnerTemp, 'shared'))
        chmodSync(join(runnerTemp, 'shared'), 0o777)
        return { 'key-output-file': join(runnerTemp, 'shared', 'k.key') }
      },
      /the directory .*shared is writable by every user \(mode 0777\) without the sticky bit, so another user could replace the key file/
    ],
    [
      'a key directory inside a folder every user may write, without the sticky bit',
      ({ workspace }) => {
        mkdirSync(join(workspace, 'open', 'deeper'), { recursive: true })
        chmodSync(join(workspace, 'open'), 0o777)
        return { 'key-output-file': join(workspace, 'open', 'deeper', 'keys'), count: '2' }
      },
      /the directory .*open is writable by every user \(mode 0777\) without the sticky bit/
    ],
    ['a missing directory', ({ runnerTemp }) => ({ 'key-output-file': join(runnerTemp, 'no', 'k.key') }), /create it first/],
    [
      'with key-file',
      ({ runnerTemp }) => {
        writeFileSync(join(runnerTemp, 'pass'), 'passphrase')
        return { 'key-file': join(runnerTemp, 'pass'), 'key-output-file': join(runnerTemp, 'k.key') }
      },
      /cannot be combined with key-file/
    ],
    [
      'with if-exists: reuse',
      ({ runnerTemp }) => ({ 'if-exists': 'reuse', 'secret-name': 'vm-1', 'key-output-file': join(runnerTemp, 'k.key') }),
      /cannot be combined with if-exists: reuse/
    ]
  ])('%s', async (_, inputs, message) => {
    const made = await newJob()
    mkdirSync(made.runnerTemp, { recursive: true })
    mkdirSync(made.workspace, { recursive: true })
    const result = await world.run({ 'os-type': 'linux', ...inputs(made) }, { jobDir: made.dir })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(new RegExp(`^::error::Input 'key-output-file': .*${message.source}`))])
    expect(world.azure.requests).toEqual([])
    expect(world.azure.connects).toEqual([])
  })
})
