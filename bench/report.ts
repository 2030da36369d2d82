// Markdown for bench/results/results.md and the section of docs/performance.md, from the raw results.
import type { BatchResult, SeparateResult } from './batch.ts'
import type { ColdStart } from './cold-start.ts'
import type { Floor } from './floor.ts'
import type { PeerResult } from './single.ts'
import { median } from './stats.ts'

export interface Machine {
  cpus: number
  cpuModel: string
  node: string
  os: string
  /** 1/5/15-minute load averages at start and end (other work on the machine adds noise). */
  loadAverage?: { start: number[]; end: number[] }
}

export interface Results {
  date: string
  /** Which dist/ was measured. */
  bundle: string
  machine: Machine
  options: { quick: boolean; repetitions: number; latencyMs: number; connectLatencyMs: number; kek: string }
  floor: Floor
  single: PeerResult[]
  coldStart: ColdStart
  batch?: BatchResult
  separate?: SeparateResult
  benchSeconds?: number
}

export interface Verdict {
  target: string
  measured: string
  met: boolean | undefined
}

const ms = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${Math.round(x)} ms`)
const secs = (x: number): string => `${(x / 1000).toFixed(1)} s`
const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–')
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`
const yes = (met: boolean | undefined): string => (met === undefined ? 'not measured' : met ? '✅ met' : '❌ missed')

const kb = (bytes: number): string => `${Math.round(bytes / 1000)} KB`

/** Issue 7's bound for dist/index.js. */
export const MAIN_BUNDLE_BYTES = 700_000

/** The lazily loaded chunks beside dist/index.js (NNN.index.js), which a plain run does not load. */
function chunkList(c: ColdStart): string {
  const chunks = c.files.filter((f) => /^\d+\.index\.js$/.test(f.name))
  return chunks.length ? `; lazily loaded: ${chunks.map((f) => `\`${f.name}\` ${kb(f.bytes)}`).join(', ')}` : ''
}

export const peer = (r: Results, id: string): PeerResult | undefined =>
  r.single.find((p) => p.id === id && !p.unavailable && p.ms && p.ms.n > 0)

export function verdicts(r: Results): Verdict[] {
  const action = peer(r, 'action')
  const curl = peer(r, 'curl')
  const az = peer(r, 'az-cli')
  const a = action?.ms?.median ?? Number.NaN
  const out: Verdict[] = []
  out.push({
    target: 'One BEK within 2× the floor',
    measured: `${ms(a)} = ${ratio(a / r.floor.floorMs)} the floor (${ms(r.floor.floorMs)})`,
    met: action ? a <= 2 * r.floor.floorMs : undefined
  })
  out.push({
    target: 'One BEK faster than the curl script',
    measured: curl ? `${ms(a)} vs ${ms(curl.ms!.median)} (${ratio(a / curl.ms!.median)})` : 'curl unavailable',
    met: curl && action ? a < curl.ms!.median : undefined
  })
  out.push({
    target: 'At least 5× faster than the Azure CLI flow',
    measured: az ? `${ms(az.ms!.median)} / ${ms(a)} = ${ratio(az.ms!.median / a)}` : 'az unavailable',
    met: az && action ? az.ms!.median / a >= 5 : undefined
  })
  if (r.batch) {
    const b = r.batch
    out.push({
      target: 'Batch ≥ 90 % of the vault’s secret-create limit (30/s), no failed BEK',
      measured: `${b.windowRate.toFixed(1)}/s = ${pct(b.windowFraction)} while creating (first→last PUT); ${pct(b.stepFraction)} over the whole step; ${b.secretsStored}/${b.count} stored, ${b.outputEntries} in outputs.secrets`,
      met: b.ok && b.windowFraction >= 0.9
    })
  }
  const c = r.coldStart
  out.push({
    target: 'Spawn → first connection within 40 ms of `node -e 0`',
    measured: c.firstConnectMs
      ? `${ms(c.firstConnectMs.median)} − \`node -e 0\` ${ms(c.nodeStart.median)} = ${ms(c.firstConnectOverNodeMs)} (medians of ${c.firstConnectMs.n} alternating runs)`
      : 'not measured',
    met: c.firstConnectMs?.n ? (c.firstConnectOverNodeMs ?? Number.NaN) <= 40 : undefined
  })
  out.push({
    target: 'Main bundle ≤ 700 KB, chunks apart',
    measured: `\`dist/index.js\` ${kb(c.indexBytes)}${chunkList(c)}`,
    met: c.indexBytes <= MAIN_BUNDLE_BYTES
  })
  out.push({
    target: 'Bundle load under 150 ms',
    measured: `import ${ms(c.importMs.median)}; process ${ms(c.processMs.median)} − node -e 0 ${ms(c.nodeStart.median)} = ${ms(c.loadOverNodeMs)}`,
    met: c.importMs.median < 150 && c.loadOverNodeMs < 150
  })
  return out
}

export function singleTable(r: Results): string {
  const action = peer(r, 'action')
  const a = action?.ms?.median ?? Number.NaN
  const rows = [
    '| Approach | Median | Min – max | vs floor | action is faster by | HTTP requests | Connections | Spawn → 1st connection (median) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    `| **floor**: 3 requests + 2 connections + \`node -e 0\` | ${ms(r.floor.floorMs)} | – | 1.00× | – | 3 | 2 | ${ms(r.floor.nodeStart.median)} |`
  ]
  for (const p of r.single) {
    if (p.unavailable || !p.ms || p.ms.n === 0) {
      rows.push(`| ${p.label} | not run: ${p.unavailable ?? 'every run failed'} | | | | | | |`)
      continue
    }
    const name = p.id === 'action' ? `**${p.label}**` : p.label
    const refused = p.refusedConnects ? ` (+${p.refusedConnects} refused)` : ''
    rows.push(
      `| ${name} | ${ms(p.ms.median)} | ${ms(p.ms.min)} – ${ms(p.ms.max)} | ${ratio(p.ms.median / r.floor.floorMs)} | ${p.id === 'action' ? '–' : ratio(p.ms.median / a)} | ${p.requests} | ${p.connections}${refused} | ${ms(p.startup?.median ?? p.medianRun?.firstConnectMs)} |` +
        (p.failures ? ` ${p.failures} failed |` : '')
    )
  }
  return rows.join('\n')
}

function batchTable(r: Results): string {
  const b = r.batch
  const s = r.separate
  if (!b) return '_batch not run_'
  const rows = [
    '| 300 BEKs | Time | Requests | 429s | Connections | Secret creates/s | of the vault limit (30/s) | Failed BEKs |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    `| **one step, \`count: ${b.count}\`** | ${secs(b.ms)} | ${b.requests} | ${b.throttled} | ${b.connections} | ${b.windowRate.toFixed(1)} (first→last PUT) · ${b.stepRate.toFixed(1)} (whole step) | ${pct(b.windowFraction)} · ${pct(b.stepFraction)} | ${b.count - b.secretsStored} |`
  ]
  if (s) {
    const scale = s.extrapolatedTo / s.runs
    const extra = s.runs === s.extrapolatedTo ? '' : ` (${s.runs} runs measured, ×${scale} extrapolated)`
    rows.push(
      `| ${s.extrapolatedTo} separate runs, one after another${extra} | ${secs(s.msExtrapolated)} | ${Math.round(s.requests * scale)} | ${Math.round(s.throttled * scale)} | ${Math.round(s.connections * scale)} | ${s.rate.toFixed(1)} | ${pct(s.rate / 30)} | ${s.runs - s.ok}${s.runs === s.extrapolatedTo ? '' : ` of ${s.runs}`} |`
    )
  }
  return rows.join('\n')
}

export function machineLine(r: Results): string {
  return `${r.date.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, ${r.machine.os}`
}

export const MODEL_NOTE =
  'The latency is a model, not a measurement of Azure: the local stand-ins add 30 ms to every request and 30 ms to every new connection (CONNECT tunnel), modelling a runner far from the vault; everything runs on loopback on one machine.'

/**
 * The section between the bench markers of docs/performance.md. `results` is the link from that
 * document to bench/results/ (its charts and results.md).
 */
export function performanceSection(r: Results, results = '../bench/results'): string {
  const v = verdicts(r)
  return [
    '',
    `Measured with \`npm run bench\`${r.benchSeconds ? ` (${Math.round((r.benchSeconds / 60) * 10) / 10} min here; \`npm run bench -- --quick\`: 3 repetitions and 30 separate runs, extrapolated)` : ''} on ${machineLine(r)}. ${MODEL_NOTE} Details and raw numbers: [bench/results/results.md](${results}/results.md).`,
    '',
    `**One BEK, end to end** (median of ${r.options.repetitions} alternating runs per approach):`,
    '',
    singleTable(r),
    '',
    `![One BEK: time per approach, with the floor marked](${results}/single-bek.svg)`,
    '',
    '**300 BEKs** against the stand-in enforcing Key Vault’s per-vault limits (300 secret creates per 10 s):',
    '',
    batchTable(r),
    '',
    `![Batch of 300 BEKs: secret creates per second, with the vault limit](${results}/batch-throughput.svg)`,
    '',
    '| Target | Measured | |',
    '|---|---|---|',
    ...v.map((x) => `| ${x.target} | ${x.measured} | ${yes(x.met)} |`),
    '',
    ...(v.some((x) => x.met === false) ? [whySummary(r, results), ''] : [])
  ].join('\n')
}

/** One paragraph for docs/performance.md: where the single-BEK time goes. */
function whySummary(r: Results, results: string): string {
  const a = peer(r, 'action')
  const curl = peer(r, 'curl')
  const c = r.coldStart
  if (!a?.startup || !a.network) return ''
  return (
    `Where the action's time goes (medians): ${ms(a.startup.median)} from spawn to its first connection (\`node -e 0\` alone: ${ms(c.nodeStart.median)}; loading the ${kb(c.indexBytes)} bundle: ${ms(c.importMs.median)}), then ${ms(a.network.median)} of network for ${a.requests} requests over ${a.connections} connections opened in parallel. ` +
    `The network part compares with the model's minimum of ${ms(r.floor.connectLatencyMs + 4 * r.floor.latencyMs)} for that chain${curl?.network ? ` and the curl script's ${ms(curl.network.median)}` : ''}; ` +
    ((c.firstConnectOverNodeMs ?? Number.POSITIVE_INFINITY) <= 40
      ? 'with the start-up within its target, what is left above the floor is in the network part (TLS and token work on CPUs shared with the stand-ins). '
      : 'the start-up is what the missed targets come down to. ') +
    `The measured breakdown and what would move it: [results.md](${results}/results.md#what-holds-back-the-missed-targets).`
  )
}

export function resultsMarkdown(r: Results, analysis: string): string {
  const c = r.coldStart
  const action = peer(r, 'action')
  const timeline = action?.medianRun?.timeline ?? []
  return [
    '# Benchmarks',
    '',
    `Date: ${r.date} · Bundle: ${r.bundle} · Machine: ${r.machine.cpus} CPUs, ${r.machine.cpuModel}, Node ${r.machine.node}, ${r.machine.os} · ${r.options.quick ? 'quick mode' : 'full mode'}, ${r.options.repetitions} repetitions per approach${r.benchSeconds ? ` · whole bench ${Math.round(r.benchSeconds)} s` : ''}${r.machine.loadAverage ? ` · load average ${r.machine.loadAverage.start.join('/')} at start, ${r.machine.loadAverage.end.join('/')} at end (other work on the machine adds noise)` : ''}`,
    '',
    `> ${MODEL_NOTE} KEK: ${r.options.kek}. Each approach runs as its own process with only the stand-ins' proxy, CA and GitHub OIDC variables; requests and connections are counted by the stand-ins (logs cleared before each run). Times are from spawn to exit.`,
    '',
    '## Targets',
    '',
    '| Target | Measured | |',
    '|---|---|---|',
    ...verdicts(r).map((x) => `| ${x.target} | ${x.measured} | ${yes(x.met)} |`),
    '',
    '## 1. One BEK, end to end',
    '',
    `Round-robin order rotated each repetition, one uncounted warm-up run each. Floor = 3 × ${r.floor.latencyMs} ms (token, wrapkey, secret set) + 2 × ${r.floor.connectLatencyMs} ms (Entra and vault connections) + \`node -e 0\` median ${ms(r.floor.nodeStart.median)} = ${ms(r.floor.floorMs)}. (Counting the GitHub OIDC request too, which the stand-in also delays, the shortest chain is connect + ID token + token + wrapkey + secret set = ${r.floor.connectLatencyMs + 4 * r.floor.latencyMs} ms + start-up when the Entra and vault connections open during the ID-token fetch.)`,
    '',
    singleTable(r),
    '',
    '![One BEK: time per approach](single-bek.svg)',
    '',
    'Requests of each approach (median run), in order:',
    '',
    ...r.single
      .filter((p) => p.medianRun)
      .map(
        (p) =>
          `- ${p.label}: ${p.medianRun!.timeline.map((t) => `${t.operation}${t.status === 200 ? '' : ` (${t.status})`}`).join(' → ')}${p.medianRun!.refusedTargets.length ? `; refused CONNECT to ${p.medianRun!.refusedTargets.join(', ')} (not a stand-in: the proxy refuses it, nothing leaves the machine)` : ''}`
      ),
    '',
    "Notes: the Python SDK (Debian's azure-keyvault-keys 4.8.0b3) wraps locally with the KEK's public key from `get_key` (for RSA-OAEP and RSA-OAEP-256 alike), so it sends no wrapkey; each of its clients starts with an unauthenticated challenge request (401). The curl script and the CLI flow wrap in the vault, as the action does. The Azure CLI signs in for the management scope (and lists subscriptions) before `az rest` asks for a vault token.",
    '',
    `Timeline of the action's median run (ms after spawn; first CONNECT at ${ms(action?.medianRun?.firstConnectMs)}, process exit at ${ms(action?.medianRun?.ms)}):`,
    '',
    '| Request | Host | Start | Duration | Status |',
    '|---|---|---:|---:|---:|',
    ...timeline.map((t) => `| ${t.method} ${t.operation} | ${t.host} | ${Math.round(t.at)} | ${Math.round(t.ms)} | ${t.status} |`),
    '',
    '## 2. Cold start',
    '',
    `\`dist/\`: ${c.files.map((f) => `\`${f.name}\` ${f.bytes.toLocaleString('en')} B`).join(', ')}. \`dist/index.js\`: ${c.indexBytes.toLocaleString('en')} bytes.`,
    '',
    '| Measure | Median | Min – max |',
    '|---|---:|---:|',
    `| \`node -e 0\` | ${ms(c.nodeStart.median)} | ${ms(c.nodeStart.min)} – ${ms(c.nodeStart.max)} |`,
    `| \`await import('dist/index.js')\` (runs to its first input error) | ${ms(c.importMs.median)} | ${ms(c.importMs.min)} – ${ms(c.importMs.max)} |`,
    ...(c.importCachedMs
      ? [
          `| the same import with V8's compile cache primed (\`NODE_COMPILE_CACHE\`; diagnostic) | ${ms(c.importCachedMs.median)} | ${ms(c.importCachedMs.min)} – ${ms(c.importCachedMs.max)} |`
        ]
      : []),
    ...(c.firstConnectMs
      ? [
          `| one BEK: \`node dist/index.js\`, spawn → first CONNECT (alternating with \`node -e 0\`) | ${ms(c.firstConnectMs.median)} | ${ms(c.firstConnectMs.min)} – ${ms(c.firstConnectMs.max)} |`,
          `| … minus \`node -e 0\` | ${ms(c.firstConnectOverNodeMs)} | |`
        ]
      : []),
    `| \`node dist/index.js\` without inputs, spawn to exit | ${ms(c.processMs.median)} | ${ms(c.processMs.min)} – ${ms(c.processMs.max)} |`,
    `| … minus \`node -e 0\` | ${ms(c.loadOverNodeMs)} | |`,
    `| one BEK: spawn → first CONNECT | ${ms(action?.startup?.median ?? action?.medianRun?.firstConnectMs)} | ${ms(Math.min(...(action?.runs.map((x) => x.firstConnectMs) ?? [])))} – ${ms(Math.max(...(action?.runs.map((x) => x.firstConnectMs) ?? [])))} |`,
    `| one BEK: spawn → first request | ${ms(median(action?.runs.filter((x) => x.ok).map((x) => x.firstRequestMs) ?? []))} | ${ms(Math.min(...(action?.runs.map((x) => x.firstRequestMs) ?? [])))} – ${ms(Math.max(...(action?.runs.map((x) => x.firstRequestMs) ?? [])))} |`,
    '',
    `The load runs saw ${c.requestsSeen} requests and ${c.connectsSeen} connections (expected: 0).`,
    '',
    ...(c.profile
      ? [
          `Where the load goes: V8 CPU profile of \`node -e "await import(bundle)"\` (no inputs), median of ${c.profile.runs} runs, ${ms(c.profile.totalMs)} of samples in all (the profiler slows the run down). The bundle profiled is the same \`ncc --minify\` build of \`src/\` with a source map (built into \`bench/.work\`; \`dist/\` is untouched); each sample goes to the package whose code was running, or, for ncc's module loader, to the module it was loading (V8 compiles a module's code lazily when it is first required).`,
          '',
          '| Part | ms | Share |',
          '|---|---:|---:|',
          ...c.profile.parts
            .filter((p) => p.ms >= 0.5)
            .map((p) => `| ${p.part} | ${p.ms.toFixed(1)} | ${((p.ms / c.profile!.totalMs) * 100).toFixed(0)} % |`),
          ''
        ]
      : []),
    '## 3. Batch: 300 BEKs',
    '',
    batchTable(r),
    '',
    r.batch
      ? `Requests of the batch by operation: ${Object.entries(r.batch.byOperation)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ', '
          )}. Successful secret PUTs from first to last: ${secs(r.batch.putWindowMs)}.${r.batch.error ? ` Errors: ${r.batch.error}` : ''}`
      : '',
    '',
    '![Batch throughput](batch-throughput.svg)',
    '',
    '## What holds back the missed targets',
    '',
    analysis,
    ''
  ].join('\n')
}
