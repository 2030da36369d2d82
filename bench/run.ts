// `npm run bench` (`--quick` for fewer repetitions and 30 separate runs instead of 300):
// 1. one BEK end to end, every approach alternating, with the floor; 2. cold start (spawn to
// first connection against `node -e 0`, bundle size and load); 3. 300 BEKs in one step vs
// separate runs against a throttling vault; 4. the rewrap action over 300 BEKs after a rotation
// (bench/rewrap.ts, its own results); 5. the inventory of 3,000 BEK versions (bench/inventory.ts,
// its own results). A full run writes bench/results/ (results.md,
// results.json, two SVG charts, README-snippet.md) and refreshes docs/performance.md between its
// bench markers; a quick run writes the same files to bench/.work/quick/ only (destination.ts).
// Everything runs against the local stand-ins on loopback, every child process under a timeout.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { analyse } from './analysis.ts'
import { snapshotBundle } from './bundle.ts'
import { destination, PERFORMANCE_DOCUMENT } from './destination.ts'
import { benchBatch, benchSeparate, SECRET_CREATES_PER_SECOND } from './batch.ts'
import { measureColdStart, REPO } from './cold-start.ts'
import { computeFloor, measureNodeStart } from './floor.ts'
import { actionArmPeer, actionNamedPeer, actionPeer } from './peers/action.ts'
import { azCliPeer } from './peers/az-cli.ts'
import { curlPeer } from './peers/curl.ts'
import { pythonPeer } from './peers/python-sdk.ts'
import { updateSection } from './markers.ts'
import { peer, performanceSection, resultsMarkdown, type Machine, type Results } from './report.ts'
import { benchInventory, INVENTORY_SECRETS, INVENTORY_VERSIONS } from './inventory.ts'
import { benchRewrap, REWRAP_COUNT } from './rewrap.ts'
import { benchSingle } from './single.ts'
import { barChart, lineChart } from './svg.ts'
import { createBenchWorld, KEK_BITS } from './world.ts'

const LATENCY_MS = 30
const CONNECT_LATENCY_MS = 30
const BATCH = 300

const args = new Set(process.argv.slice(2))
const quick = args.has('--quick')
const repetitions = quick ? 3 : 9
const separateRuns = quick ? 30 : BATCH
const { dir: OUT, document: DOCUMENT } = destination({ quick })
const started = performance.now()
const log = (line: string): void => console.log(line)

// The whole bench stops by itself even if something hangs.
const watchdog = setTimeout(() => {
  console.error('bench: gave up after 20 minutes')
  process.exit(2)
}, 20 * 60_000)
watchdog.unref()

async function machine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '')
  return {
    cpus: cpus().length,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverage: { start: loadavg().map((x) => Math.round(x * 100) / 100), end: [] },
    os: /^PRETTY_NAME="?([^"\n]+)"?/m.exec(osRelease)?.[1] ?? process.platform
  }
}

async function measure(): Promise<Results> {
  log(
    `bench: ${quick ? 'quick' : 'full'} mode, ${repetitions} repetitions, stand-ins with ${LATENCY_MS} ms per request and ${CONNECT_LATENCY_MS} ms per connection`
  )
  const tested = await snapshotBundle(log)
  log(`bundle: ${tested.source}`)
  const results: Results = {
    bundle: tested.source,
    date: new Date().toISOString(),
    machine: await machine(),
    options: { quick, repetitions, latencyMs: LATENCY_MS, connectLatencyMs: CONNECT_LATENCY_MS, kek: `RSA-${KEK_BITS} (software key)` },
    floor: computeFloor(LATENCY_MS, CONNECT_LATENCY_MS, { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN }),
    single: [],
    coldStart: undefined as unknown as Results['coldStart']
  }

  const world = await createBenchWorld({ latencyMs: LATENCY_MS, connectLatencyMs: CONNECT_LATENCY_MS })
  try {
    log('1. one BEK end to end')
    results.single = await benchSingle(
      world,
      [actionPeer, actionNamedPeer, actionArmPeer, curlPeer, pythonPeer, azCliPeer],
      repetitions,
      log
    )
    const withArm = (peer(results, 'action-arm')?.ms?.median ?? NaN) / (peer(results, 'action')?.ms?.median ?? NaN)
    log(`   with subscription-id: ${withArm.toFixed(2)}× the run without it (issue 8's bound: 1.3×)`)
    log('   floor: node -e 0')
    results.floor = computeFloor(LATENCY_MS, CONNECT_LATENCY_MS, await measureNodeStart(repetitions * 2 + 1))
    log('2. cold start')
    results.coldStart = await measureColdStart(world, repetitions * 2 + 1, log)
  } finally {
    await world.close()
  }

  log(`3. batch: ${BATCH} BEKs in one step, throttling vault`)
  const batchWorld = await createBenchWorld({ latencyMs: LATENCY_MS, connectLatencyMs: CONNECT_LATENCY_MS, throttling: true })
  try {
    results.batch = await benchBatch(batchWorld, BATCH)
    log(
      `   ${results.batch.ok ? 'ok' : `FAILED: ${results.batch.error}`}: ${(results.batch.ms / 1000).toFixed(1)} s, ${results.batch.windowRate.toFixed(1)} creates/s, ${results.batch.throttled} 429s`
    )
  } finally {
    await batchWorld.close()
  }
  log(`3b. ${separateRuns} separate runs${separateRuns < BATCH ? ` (extrapolated to ${BATCH})` : ''}`)
  const separateWorld = await createBenchWorld({ latencyMs: LATENCY_MS, connectLatencyMs: CONNECT_LATENCY_MS, throttling: true })
  try {
    results.separate = await benchSeparate(separateWorld, separateRuns, BATCH, log)
  } finally {
    await separateWorld.close()
  }
  log(`4. rewrap: ${REWRAP_COUNT} BEKs after a rotation, throttling vault (${relative(REPO, OUT)}/rewrap.md)`)
  await benchRewrap({ latencyMs: LATENCY_MS, connectLatencyMs: CONNECT_LATENCY_MS }, log, join(tested.dir, 'rewrap', 'index.js'), OUT)
  log(`5. inventory: ${INVENTORY_SECRETS} BEKs × ${INVENTORY_VERSIONS} versions, throttling vault (${relative(REPO, OUT)}/inventory.md)`)
  await benchInventory({ latencyMs: LATENCY_MS, connectLatencyMs: CONNECT_LATENCY_MS }, log, join(tested.dir, 'inventory', 'index.js'), OUT)
  results.benchSeconds = (performance.now() - started) / 1000
  results.machine.loadAverage = { start: results.machine.loadAverage?.start ?? [], end: loadavg().map((x) => Math.round(x * 100) / 100) }
  return results
}

async function publish(results: Results): Promise<void> {
  // Charts.
  const bars = results.single
    .filter((p) => p.ms && p.ms.n > 0)
    .map((p) => ({
      label: p.label,
      value: p.ms!.median,
      min: p.ms!.min,
      max: p.ms!.max,
      startup: p.medianRun?.firstConnectMs,
      highlight: p.id.startsWith('action')
    }))
  const singleSvg = barChart(
    'One KEK-wrapped BEK, end to end (median, spawn to exit)',
    `Stand-ins with ${LATENCY_MS} ms per request and per new connection (a model, not Azure) · ${results.machine.cpus} CPUs · ${results.date.slice(0, 10)}`,
    bars,
    { value: results.floor.floorMs, label: `floor ${Math.round(results.floor.floorMs)} ms` }
  )
  const b = results.batch!
  const sep = results.separate
  const batchSvg = lineChart(
    `${BATCH} BEKs in one step: secret creates per second`,
    `count: ${BATCH} against a vault enforcing 300 secret creates / 10 s · ${b.windowRate.toFixed(1)}/s while creating, ${b.throttled} × 429 · ${results.date.slice(0, 10)}`,
    'seconds since the step started',
    'secrets created per second',
    [
      { label: 'secret creates (HTTP 200)', color: '#1f6feb', points: b.perSecond.map((s) => [s.second + 0.5, s.created]) },
      { label: 'HTTP 429', color: '#cf222e', points: b.perSecond.map((s) => [s.second + 0.5, s.throttled]), dashed: true }
    ],
    [
      { y: SECRET_CREATES_PER_SECOND, label: 'vault limit: 30/s (300 per 10 s)', color: '#cf222e' },
      { y: SECRET_CREATES_PER_SECOND * 0.9, label: 'target: 90 %', color: '#9a6700', below: true },
      ...(sep ? [{ y: sep.rate, label: `separate runs, one after another: ${sep.rate.toFixed(1)}/s`, color: '#57606a' }] : [])
    ]
  )

  // Links from docs/performance.md to the committed results (README-snippet.md is that section, to paste there).
  const section = performanceSection(results, relative(dirname(join(REPO, PERFORMANCE_DOCUMENT)), join(REPO, 'bench', 'results')))
  await mkdir(OUT, { recursive: true })
  await Promise.all([
    writeFile(join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n'),
    writeFile(join(OUT, 'results.md'), resultsMarkdown(results, analyse(results))),
    writeFile(join(OUT, 'single-bek.svg'), singleSvg),
    writeFile(join(OUT, 'batch-throughput.svg'), batchSvg),
    writeFile(join(OUT, 'README-snippet.md'), `<!-- bench:start -->\n${section.trim()}\n<!-- bench:end -->\n`)
  ])
  const updated = DOCUMENT ? await updateSection(DOCUMENT, section) : undefined
  const action = peer(results, 'action')
  const c = results.coldStart
  log(`action median ${Math.round(action?.ms?.median ?? NaN)} ms, floor ${Math.round(results.floor.floorMs)} ms`)
  if (c.firstConnectMs)
    log(
      `start-up: spawn → first connection ${Math.round(c.firstConnectMs.median)} ms, node -e 0 ${Math.round(c.nodeStart.median)} ms (+${Math.round(c.firstConnectOverNodeMs ?? NaN)} ms); dist/index.js ${c.indexBytes.toLocaleString('en')} bytes`
    )
  const where = relative(REPO, OUT)
  log(
    `wrote ${where}/{results.md,results.json,single-bek.svg,batch-throughput.svg,README-snippet.md}; ${PERFORMANCE_DOCUMENT} ${
      updated === undefined
        ? 'left alone (a quick run never rewrites the committed results)'
        : updated
          ? 'updated between the bench markers'
          : `not updated: no <!-- bench:start --> / <!-- bench:end --> markers (see ${where}/README-snippet.md)`
    }`
  )
  if (!args.has('--report')) log(`bench took ${Math.round((performance.now() - started) / 1000)} s`)
}

// `--report`: re-render results.md, the charts and the section of docs/performance.md from results.json.
const results: Results = args.has('--report') ? (JSON.parse(await readFile(join(OUT, 'results.json'), 'utf8')) as Results) : await measure()
await publish(results)
