// Spawn → first connection: a real run (one BEK) of a bundle, timed from just before its spawn
// to the stand-ins' first CONNECT, against `node -e 0` (spawn to exit) run just before it; and
// the same run's spawn → exit (one BEK end to end).
// `node bench/first-connect.ts <dist dir> [<dist dir> …]` compares bundles (say, main's dist/
// checked out elsewhere against this one), alternating, and prints the medians.
import { join, resolve } from 'node:path'
import { runAction } from '../emulator/runner.ts'
import { actionInputs } from './peers/action.ts'
import { runProcess } from './proc.ts'
import { summarize, type Summary } from './stats.ts'
import { createBenchWorld, type BenchWorld } from './world.ts'

/** ms from spawn to the first CONNECT of one run of `entry`, or why there is none. */
export async function timeFirstConnect(world: BenchWorld, entry: string): Promise<number | string> {
  const timed = await timeRun(world, entry)
  return typeof timed === 'string' ? timed : timed.firstConnect
}

/** One run of `entry` (one BEK): spawn → first CONNECT, and spawn → exit, or why it failed. */
export async function timeRun(world: BenchWorld, entry: string): Promise<{ firstConnect: number; total: number } | string> {
  world.azure.clearLogs()
  const run = await runAction({ localAzure: world.azure, inputs: actionInputs(world), entry, timeoutMs: 60_000 })
  const first = world.azure.connects[0]
  if (run.exitCode === 0 && first) return { firstConnect: first.at - run.startedAt, total: run.durationMs }
  return `exit ${run.exitCode}: ${(run.stdout + run.stderr).trim().split('\n').slice(-2).join(' ')}`
}

export async function nodeStartMs(): Promise<number | undefined> {
  const r = await runProcess(process.execPath, ['-e', '0'], { env: { PATH: process.env['PATH'] ?? '' }, timeoutMs: 10_000 })
  return r.code === 0 ? r.ms : undefined
}

if (import.meta.main) {
  const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'))
  const repetitions = Number(process.argv.find((a) => a.startsWith('--repetitions='))?.split('=')[1] ?? 21)
  if (dirs.length === 0) {
    console.error('usage: node bench/first-connect.ts <dist dir> [<dist dir> …] [--repetitions=21]')
    process.exit(2)
  }
  const world = await createBenchWorld({ latencyMs: 30, connectLatencyMs: 30 })
  const node: number[] = []
  const runs = new Map<string, number[]>(dirs.map((d) => [d, []]))
  const totals = new Map<string, number[]>(dirs.map((d) => [d, []]))
  try {
    for (const dir of dirs) await timeFirstConnect(world, join(resolve(dir), 'index.js')) // warm-up
    for (let i = 0; i < repetitions; i++) {
      const n = await nodeStartMs()
      if (n !== undefined) node.push(n)
      for (const dir of dirs) {
        const timed = await timeRun(world, join(resolve(dir), 'index.js'))
        if (typeof timed === 'string') console.error(`${dir}: ${timed}`)
        else {
          runs.get(dir)!.push(timed.firstConnect)
          totals.get(dir)!.push(timed.total)
        }
      }
    }
  } finally {
    await world.close()
  }
  const show = (s: Summary): string => `median ${Math.round(s.median)} ms (${Math.round(s.min)}–${Math.round(s.max)}, n=${s.n})`
  const bare = summarize(node)
  console.log(`node -e 0: ${show(bare)}`)
  for (const [dir, values] of runs) {
    const s = summarize(values)
    console.log(`${dir}: spawn → first connection ${show(s)}, ${Math.round(s.median - bare.median)} ms over node -e 0`)
    console.log(`${dir}: one BEK, spawn → exit ${show(summarize(totals.get(dir)!))}`)
  }
}
