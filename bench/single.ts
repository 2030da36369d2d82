// Benchmark 1: one BEK end to end, every peer in the same run, round-robin order rotated each
// repetition, the stand-ins' logs cleared before each run.
import type { Peer } from './peers/types.ts'
import { summarize, type Summary } from './stats.ts'
import type { BenchWorld } from './world.ts'
import { VAULT } from './world.ts'

export interface TimelineEntry {
  /** ms after spawn */
  at: number
  ms: number
  method: string
  host: string
  operation: string
  status: number
}

export interface SingleRun {
  ok: boolean
  ms: number
  requests: number
  connections: number
  refusedConnects: number
  /** First CONNECT and first request, ms after spawn. */
  firstConnectMs: number
  firstRequestMs: number
  /** End of the last request, ms after spawn. */
  lastResponseMs: number
  timeline: TimelineEntry[]
  connectTimes: number[]
  refusedTargets: string[]
  error?: string
}

export interface PeerResult {
  id: string
  label: string
  unavailable?: string
  runs: SingleRun[]
  ms?: Summary
  requests?: number
  connections?: number
  refusedConnects?: number
  /** Spawn → first CONNECT, and first CONNECT → last response, over the good runs. */
  startup?: Summary
  network?: Summary
  /** The run whose time is the median (or nearest), for its timeline. */
  medianRun?: SingleRun
  failures: number
}

export async function benchSingle(
  world: BenchWorld,
  peers: readonly Peer[],
  repetitions: number,
  log: (line: string) => void
): Promise<PeerResult[]> {
  const results: PeerResult[] = []
  for (const peer of peers) {
    const reason = await peer.unavailable(world)
    results.push({ id: peer.id, label: peer.label, runs: [], failures: 0, ...(reason ? { unavailable: reason } : {}) })
    if (reason) log(`  ${peer.id}: skipped: ${reason}`)
  }
  const runnable = peers.filter((_, i) => !results[i]!.unavailable)
  const measure = async (peer: Peer): Promise<SingleRun> => {
    world.azure.clearLogs()
    const r = await peer.run(world)
    const requests = [...world.azure.requests]
    const connects = [...world.azure.connects]
    const stored = r.secretName ? world.azure.keyVault.getSecretVersions(VAULT, r.secretName).length : 0
    const ok = r.ok && stored === 1
    const timeline = requests.map((q) => ({
      at: q.startMs - r.spawnedAt,
      ms: q.durationMs,
      method: q.method,
      host: q.host,
      operation: q.operation ?? q.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{tenant}'),
      status: q.status
    }))
    return {
      ok,
      ms: r.ms,
      requests: requests.length,
      connections: connects.filter((c) => c.allowed).length,
      refusedConnects: connects.filter((c) => !c.allowed).length,
      firstConnectMs: connects.length ? connects[0]!.at - r.spawnedAt : Number.NaN,
      firstRequestMs: timeline.length ? timeline[0]!.at : Number.NaN,
      lastResponseMs: timeline.length ? Math.max(...timeline.map((t) => t.at + t.ms)) : Number.NaN,
      timeline,
      connectTimes: connects.map((c) => c.at - r.spawnedAt),
      refusedTargets: connects.filter((c) => !c.allowed).map((c) => c.target),
      ...(ok ? {} : { error: r.error ?? `secret ${r.secretName} stored ${stored} times` })
    }
  }
  // One warm-up run each (file cache, Python byte-code), not counted.
  for (const peer of runnable) {
    const w = await measure(peer)
    log(`  warm-up ${peer.id}: ${w.ok ? 'ok' : `FAILED ${w.error}`} ${Math.round(w.ms)} ms`)
  }
  for (let rep = 0; rep < repetitions; rep++) {
    const order = runnable.map((_, i) => runnable[(i + rep) % runnable.length]!)
    const line: string[] = []
    for (const peer of order) {
      // Let the previous run's processes and sockets wind down before the next spawn.
      await new Promise((resolve) => setTimeout(resolve, 250))
      const run = await measure(peer)
      results.find((x) => x.id === peer.id)!.runs.push(run)
      line.push(`${peer.id} ${run.ok ? '' : 'FAILED '}${Math.round(run.ms)} ms`)
      if (!run.ok) log(`    ${peer.id} failed: ${run.error}`)
    }
    log(`  rep ${rep + 1}/${repetitions}: ${line.join(', ')}`)
  }
  for (const result of results) {
    if (result.unavailable) continue
    const good = result.runs.filter((r) => r.ok)
    result.failures = result.runs.length - good.length
    result.ms = summarize(good.map((r) => r.ms))
    result.startup = summarize(good.map((r) => r.firstConnectMs))
    result.network = summarize(good.map((r) => r.lastResponseMs - r.firstConnectMs))
    const mid = result.ms.median
    result.medianRun = [...good].sort((a, b) => Math.abs(a.ms - mid) - Math.abs(b.ms - mid))[0]
    result.requests = result.medianRun?.requests
    result.connections = result.medianRun?.connections
    result.refusedConnects = result.medianRun?.refusedConnects
  }
  return results
}
