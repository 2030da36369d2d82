// Benchmark 2: cold start. The bundle's size, the time from spawn to the first connection of a
// real run against `node -e 0` (the two alternating), the load time alone (import of
// dist/index.js with inputs that fail validation at once: zero requests), and where that time
// goes (load-profile.ts).
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bundle } from './bundle.ts'
import { timeFirstConnect } from './first-connect.ts'
import { profileLoad, type LoadProfile } from './load-profile.ts'
import { REPO } from './paths.ts'
import { runProcess } from './proc.ts'
import { summarize, type Summary } from './stats.ts'
import type { BenchWorld } from './world.ts'

export { REPO }

export interface ColdStart {
  files: Array<{ name: string; bytes: number }>
  indexBytes: number
  nodeStart: Summary
  /** One BEK made by `node dist/index.js`: spawn → the stand-ins' first CONNECT (each run right after a `node -e 0`). */
  firstConnectMs?: Summary
  /** firstConnectMs median − nodeStart median: the start-up the bundle adds to bare Node. */
  firstConnectOverNodeMs?: number
  /** performance.now() around `await import(dist/index.js)` (the action runs and fails at its first input). */
  importMs: Summary
  /** Wall time of `node dist/index.js` with no inputs, spawn to exit. */
  processMs: Summary
  /** The same import with NODE_COMPILE_CACHE primed: what is left without parsing/compiling (diagnostic only). */
  importCachedMs: Summary
  /** processMs median − nodeStart median. */
  loadOverNodeMs: number
  requestsSeen: number
  connectsSeen: number
  /** CPU profile of the load, by package (an identical build with a source map). */
  profile?: LoadProfile
}

export async function distFiles(): Promise<Array<{ name: string; bytes: number }>> {
  const names = (await readdir(bundle.dir)).sort()
  return Promise.all(names.map(async (name) => ({ name, bytes: (await stat(join(bundle.dir, name))).size })))
}

const timedImport = (spec: string): string =>
  `const t=performance.now(); try { await import(${JSON.stringify(spec)}) } catch {} ; process.stderr.write('\\nIMPORT_MS='+(performance.now()-t)+'\\n')`

async function importMs(spec: string, env: Record<string, string>): Promise<number | undefined> {
  const r = await runProcess(process.execPath, ['--input-type=module', '-e', timedImport(spec)], { env, cwd: REPO, timeoutMs: 20_000 })
  const m = /IMPORT_MS=([\d.]+)/.exec(r.stderr)
  return m ? Number(m[1]) : undefined
}

export async function measureColdStart(world: BenchWorld, repetitions: number, log: (line: string) => void): Promise<ColdStart> {
  const files = await distFiles()
  const entry = bundle.entry
  // The runner's environment minus the inputs: the action stops at "Input 'key-vault' is required".
  const env = world.peerEnv({ GITHUB_ACTIONS: 'true' })
  let requestsSeen = 0
  let connectsSeen = 0
  const node: number[] = []
  const firstConnects: number[] = []
  const imports: number[] = []
  const processes: number[] = []
  for (let i = 0; i < repetitions; i++) {
    const n = await runProcess(process.execPath, ['-e', '0'], { env, timeoutMs: 10_000 })
    if (n.code === 0) node.push(n.ms)
    const first = await timeFirstConnect(world, entry)
    if (typeof first === 'number') firstConnects.push(first)
    else log(`  a run to time the first connection failed: ${first}`)
    world.azure.clearLogs()
    const t = await importMs(pathToFileURL(entry).href, env)
    if (t !== undefined) imports.push(t)
    const p = await runProcess(process.execPath, [entry], { env, cwd: REPO, timeoutMs: 20_000 })
    if (!p.stdout.includes("::error::Input 'key-vault'"))
      log(`  unexpected output from the bundle without inputs: ${p.stdout.slice(0, 200)}`)
    else processes.push(p.ms)
    requestsSeen += world.azure.requests.length
    connectsSeen += world.azure.connects.length
  }
  // With V8's compile cache primed, the import skips parsing and compiling: the difference is
  // the compile share of the load (diagnostic: a fresh GitHub-hosted runner has no cache).
  const cacheEnv = { ...env, NODE_COMPILE_CACHE: join(world.dir, 'compile-cache') }
  await importMs(pathToFileURL(entry).href, cacheEnv)
  const cached: number[] = []
  world.azure.clearLogs()
  for (let i = 0; i < repetitions; i++) {
    const t = await importMs(pathToFileURL(entry).href, cacheEnv)
    if (t !== undefined) cached.push(t)
  }
  requestsSeen += world.azure.requests.length
  connectsSeen += world.azure.connects.length
  const profile = await profileLoad(Math.max(3, Math.ceil(repetitions / 2)), { PATH: env['PATH']! }, log)
  const nodeStart = summarize(node)
  const processMs = summarize(processes)
  const firstConnectMs = summarize(firstConnects)
  return {
    files,
    indexBytes: files.find((f) => f.name === 'index.js')?.bytes ?? 0,
    nodeStart,
    firstConnectMs,
    firstConnectOverNodeMs: firstConnectMs.median - nodeStart.median,
    importMs: summarize(imports),
    importCachedMs: summarize(cached),
    processMs,
    loadOverNodeMs: processMs.median - nodeStart.median,
    requestsSeen,
    connectsSeen,
    ...(profile ? { profile } : {})
  }
}
