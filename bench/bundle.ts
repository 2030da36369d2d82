// The bundle under test. dist/ may be rebuilt while the bench runs (rm -rf dist && ncc), so the
// bench copies it once, at start, to bench/.work/dist and runs that copy: the same files the
// runner would run. If dist/ is missing or changing for a minute, HEAD's committed dist/ is used.
import { spawn } from 'node:child_process'
import { cp, mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO } from './paths.ts'
import { runProcess } from './proc.ts'

export interface Bundle {
  dir: string
  entry: string
  /** Where it came from: the working tree's dist/ or HEAD's. */
  source: string
}

export const bundle: Bundle = { dir: join(REPO, 'dist'), entry: join(REPO, 'dist', 'index.js'), source: 'dist/' }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function git(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout })
    })
  })
}

async function fingerprint(dir: string): Promise<string | undefined> {
  try {
    const names = (await readdir(dir)).sort()
    if (!names.includes('index.js')) return undefined
    const sizes = await Promise.all(names.map(async (n) => `${n}:${(await stat(join(dir, n))).size}`))
    return sizes.join(',')
  } catch {
    return undefined
  }
}

export async function snapshotBundle(log: (line: string) => void): Promise<Bundle> {
  const target = join(REPO, 'bench', '.work', 'dist')
  await rm(target, { recursive: true, force: true })
  await mkdir(join(REPO, 'bench', '.work'), { recursive: true })
  const head = (await git(['rev-parse', '--short', 'HEAD'])).stdout.trim()
  const dist = join(REPO, 'dist')
  for (let waited = 0; waited <= 60_000; waited += 2_000) {
    const before = await fingerprint(dist)
    await sleep(2_000)
    if (before && before === (await fingerprint(dist))) {
      await cp(dist, target, { recursive: true })
      if ((await fingerprint(target)) !== before) continue
      const dirty = (await git(['status', '--porcelain', '--', 'dist'])).stdout.trim() !== ''
      Object.assign(bundle, {
        dir: target,
        entry: join(target, 'index.js'),
        source: `dist/ of the working tree at ${head}${dirty ? ' (differs from HEAD: uncommitted build)' : ' (= HEAD)'}`
      })
      return bundle
    }
    if (waited === 0) log('  dist/ is missing or being rebuilt; waiting up to a minute')
  }
  // Fall back to the committed bundle.
  await mkdir(target, { recursive: true })
  const archive = await git(['archive', '--format=tar', '-o', join(REPO, 'bench', '.work', 'dist.tar'), 'HEAD', 'dist'])
  if (archive.code !== 0) throw new Error('no dist/ in the working tree and none in HEAD')
  const tar = await runProcess('tar', ['-xf', join(REPO, 'bench', '.work', 'dist.tar'), '-C', join(REPO, 'bench', '.work')], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    timeoutMs: 60_000
  })
  if (tar.code !== 0) throw new Error(`tar exited ${tar.code}: ${tar.stderr}`)
  Object.assign(bundle, {
    dir: target,
    entry: join(target, 'index.js'),
    source: `dist/ committed at ${head} (the working tree's was missing or changing)`
  })
  return bundle
}
