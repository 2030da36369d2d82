// Benchmark 3: 300 BEKs in one step (count: 300) against the stand-in enforcing Key Vault's
// per-vault limits (300 secret creates per 10 s), versus separate runs of the action, one BEK each.
import { runAction } from '../emulator/runner.ts'
import type { RequestLogEntry } from '../emulator/index.ts'
import { bundle } from './bundle.ts'
import { actionInputs } from './peers/action.ts'
import type { BenchWorld } from './world.ts'
import { VAULT } from './world.ts'

/** Key Vault: 300 secret creates per 10 s per vault. */
export const SECRET_CREATES_PER_SECOND = 30

export interface BatchResult {
  count: number
  ok: boolean
  exitCode: number | null
  ms: number
  requests: number
  byOperation: Record<string, number>
  throttled: number
  connections: number
  secretsStored: number
  outputEntries: number
  /** Successful secret PUTs: first to last completion. */
  putWindowMs: number
  /** (stored − 1) / window: creates per second while creating. */
  windowRate: number
  /** stored / whole step (spawn to exit). */
  stepRate: number
  windowFraction: number
  stepFraction: number
  /** Successful secret PUTs completed in each second after spawn, and 429s. */
  perSecond: Array<{ second: number; created: number; throttled: number }>
  error?: string
}

export interface SeparateResult {
  runs: number
  extrapolatedTo: number
  ok: number
  ms: number
  msExtrapolated: number
  requests: number
  throttled: number
  connections: number
  rate: number
}

const countBy = (entries: readonly RequestLogEntry[]): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const e of entries) {
    const key = `${e.operation ?? e.method}${e.status === 200 ? '' : ` ${e.status}`}`
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

export async function benchBatch(world: BenchWorld, count: number): Promise<BatchResult> {
  world.azure.clearLogs()
  const before = world.azure.keyVault.secretNames(VAULT).length
  const spawnedAt = Date.now()
  const r = await runAction({
    localAzure: world.azure,
    inputs: { ...actionInputs(world), count: String(count) },
    entry: bundle.entry,
    timeoutMs: 240_000
  })
  const requests = [...world.azure.requests]
  const puts = requests.filter((q) => q.operation === 'setSecret')
  const created = puts
    .filter((q) => q.status === 200)
    .map((q) => q.startMs + q.durationMs)
    .sort((a, b) => a - b)
  const throttled = requests.filter((q) => q.status === 429)
  const secretsStored = world.azure.keyVault.secretNames(VAULT).length - before
  let outputEntries: number
  try {
    outputEntries = (JSON.parse(r.outputs['secrets'] ?? '[]') as unknown[]).length
  } catch {
    outputEntries = -1
  }
  const putWindowMs = created.length > 1 ? created.at(-1)! - created[0]! : Number.NaN
  const windowRate = created.length > 1 ? ((created.length - 1) / putWindowMs) * 1000 : Number.NaN
  const stepRate = (secretsStored / r.durationMs) * 1000
  const seconds = Math.ceil(r.durationMs / 1000)
  const perSecond = Array.from({ length: seconds }, (_, second) => ({ second, created: 0, throttled: 0 }))
  for (const t of created) {
    const s = perSecond[Math.min(seconds - 1, Math.floor((t - spawnedAt) / 1000))]
    if (s) s.created++
  }
  for (const q of throttled) {
    const s = perSecond[Math.min(seconds - 1, Math.floor((q.startMs + q.durationMs - spawnedAt) / 1000))]
    if (s) s.throttled++
  }
  const ok = r.exitCode === 0 && secretsStored === count && outputEntries === count
  return {
    count,
    ok,
    exitCode: r.exitCode,
    ms: r.durationMs,
    requests: requests.length,
    byOperation: countBy(requests),
    throttled: throttled.length,
    connections: world.azure.connects.filter((c) => c.allowed).length,
    secretsStored,
    outputEntries,
    putWindowMs,
    windowRate,
    stepRate,
    windowFraction: windowRate / SECRET_CREATES_PER_SECOND,
    stepFraction: stepRate / SECRET_CREATES_PER_SECOND,
    perSecond,
    ...(ok
      ? {}
      : {
          error: (r.stdout + r.stderr)
            .split('\n')
            .filter((l) => l.startsWith('::error::'))
            .join(' | ')
            .slice(0, 500)
        })
  }
}

/** `runs` sequential runs of the action (one BEK each); times extrapolated linearly to `target`. */
export async function benchSeparate(world: BenchWorld, runs: number, target: number, log: (line: string) => void): Promise<SeparateResult> {
  world.azure.clearLogs()
  const t0 = performance.now()
  let ok = 0
  for (let i = 0; i < runs; i++) {
    const r = await runAction({ localAzure: world.azure, inputs: actionInputs(world), entry: bundle.entry, timeoutMs: 60_000 })
    if (r.exitCode === 0) ok++
    if ((i + 1) % 50 === 0 || i + 1 === runs) log(`  separate runs: ${i + 1}/${runs} (${Math.round((performance.now() - t0) / 1000)} s)`)
  }
  const ms = performance.now() - t0
  const requests = world.azure.requests
  return {
    runs,
    extrapolatedTo: target,
    ok,
    ms,
    msExtrapolated: (ms * target) / runs,
    requests: requests.length,
    throttled: requests.filter((q) => q.status === 429).length,
    connections: world.azure.connects.filter((c) => c.allowed).length,
    rate: (ok / ms) * 1000
  }
}
