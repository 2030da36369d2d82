// "What holds it back": the measured breakdown behind each missed target, written from the numbers.
import { peer, type Results } from './report.ts'
import type { TimelineEntry } from './single.ts'
import { median } from './stats.ts'

const ms = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${Math.round(x)} ms`)

/** Groups the requests of a run into steps: requests that overlap in time are concurrent. */
export function criticalPath(timeline: readonly TimelineEntry[]): string[][] {
  const steps: Array<{ end: number; ops: string[] }> = []
  for (const t of [...timeline].sort((a, b) => a.at - b.at)) {
    const last = steps.at(-1)
    const name = `${t.operation}${t.status === 200 ? '' : ` ${t.status}`}`
    if (last && t.at < last.end) {
      last.ops.push(name)
      last.end = Math.max(last.end, t.at + t.ms)
    } else steps.push({ end: t.at + t.ms, ops: [name] })
  }
  return steps.map((s) => s.ops)
}

export function analyse(r: Results): string {
  const out: string[] = []
  const action = peer(r, 'action')
  const named = peer(r, 'action-named')
  const curl = peer(r, 'curl')
  const run = action?.medianRun
  if (!action || !run) return '_the action was not measured_'
  const a = action.ms!.median
  // Medians over the runs (each part on its own), and the median run's request chain.
  const startup = action.startup?.median ?? run.firstConnectMs
  const network = action.network?.median ?? run.lastResponseMs - run.firstConnectMs
  const exit = median(action.runs.filter((x) => x.ok).map((x) => x.ms - x.lastResponseMs))
  const c = r.coldStart
  const steps = criticalPath(run.timeline)
  out.push(
    `**Where the action's ${ms(a)} go** (medians over ${action.ms!.n} runs): start-up ${ms(startup)} (spawn → first CONNECT), network ${ms(network)} (first CONNECT → last response), exit ${ms(exit)} (last response → process exit). ` +
      `The floor allows ${ms(r.floor.nodeStart.median)} for start-up and ${ms(r.floor.networkMs)} for the network.`
  )
  out.push('')
  out.push(
    `- **Start-up${c.firstConnectOverNodeMs !== undefined && c.firstConnectOverNodeMs <= 40 ? ` is within its target (first connection ${ms(c.firstConnectOverNodeMs)} after \`node -e 0\`'s)` : ' is the gap'}.** \`node -e 0\` takes ${ms(c.nodeStart.median)}; loading and running the ${Math.round(c.indexBytes / 1024)} KiB bundle up to its first input check takes ${ms(c.importMs.median)} more (import measurement; process wall time minus \`node -e 0\`: ${ms(c.loadOverNodeMs)}). ` +
      `Node start + bundle load (${ms(c.nodeStart.median + c.importMs.median)}) is measured apart from the runs; the runs' start-up also includes reading the inputs and building the clients, and varies most between runs (${ms(action.startup?.min)} – ${ms(action.startup?.max)}: it is CPU-bound, on ${r.machine.cpus} CPUs shared with the stand-ins and whatever else runs on the machine). ` +
      (c.importCachedMs
        ? `With V8's compile cache primed the import takes ${ms(c.importCachedMs.median)} instead of ${ms(c.importMs.median)}: about ${ms(c.importMs.median - c.importCachedMs.median)} of the load is parsing and compiling its ${Math.round(c.indexBytes / 1000)} KB of JavaScript, the rest is evaluating the modules' top-level code. `
        : '') +
      (c.profile
        ? `The load profile (section 2) puts the largest parts in ${c.profile.parts
            .slice(0, 5)
            .map((p) => `${p.part} (${p.ms.toFixed(0)} ms)`)
            .join(', ')}. `
        : '') +
      'What the main bundle holds: only what a run needs up to its first connection (the input checks, the proxy rules, the connection pool), and none of node:crypto, node:tls or node:https is loaded by then. ' +
      '`@actions/core` with the Azure SDK pipeline (the BEK step) and `@azure/identity` with MSAL (the sign-in) are chunks loaded while the connections open; the ARM, dry-run and post code only by runs that use them. ' +
      '`@actions/core`’s HTTP client with undici (for `getIDToken`, which the action replaces with its own fetch), `@actions/exec` and MSAL’s `open` are left out by scripts/build.ts (`NOT_BUNDLED`).'
  )
  out.push(
    `- **Network: ${steps.length} sequential steps** in the median run: ${steps.map((s) => (s.length > 1 ? `(${s.join(' ∥ ')})` : s[0])).join(' → ')}. ` +
      `The connections (${run.connections}) are opened in parallel during the ID-token fetch and reused, so only the first one is on the critical path; ` +
      `with ${r.floor.latencyMs} ms per request and ${r.floor.connectLatencyMs} ms per connection that chain costs at least ${ms(r.floor.connectLatencyMs + steps.length * r.floor.latencyMs)}; measured ${ms(network)} (the rest: TLS handshakes, token signing/checking and RSA work in the stand-ins and the client on ${r.machine.cpus} CPUs). ` +
      "The GitHub ID-token request is one more round trip than the floor counts; on a real runner it stays inside GitHub's network and is short."
  )
  if (named?.medianRun) {
    const ns = criticalPath(named.medianRun.timeline)
    out.push(
      `- **With \`secret-name\`** (median ${ms(named.ms!.median)}): ${ns.map((s) => (s.length > 1 ? `(${s.join(' ∥ ')})` : s[0])).join(' → ')}. ` +
        (ns.some((step) => step.some((s) => s.startsWith('getSecret')) && step.some((s) => s.startsWith('wrapKey')))
          ? `The \`if-exists\` check (GET secret, 404) runs alongside the KEK read and the wrapkey, so it costs a request and a connection but no round trip: network median ${ms(named.network?.median)} against ${ms(network)} without a name; the difference in total time is start-up noise.`
          : `The \`if-exists\` check (GET secret, 404) runs before the wrapkey, so it puts one more round trip on the critical path: network median ${ms(named.network?.median)} against ${ms(network)} without a name.`)
    )
  }
  out.push(`- **Exit**: ${ms(exit)} from the last response to process exit (outputs, summary file, keep-alive sockets closing).`)
  if (curl?.medianRun) {
    const cr = curl.medianRun
    out.push(
      `- **The curl script** starts its first connection after ${ms(curl.startup?.median ?? cr.firstConnectMs)} (bash + one curl process) but pays ${curl.connections} connections and ${curl.requests} requests one after another, each in a new curl process: ${ms(curl.network?.median)} of network against the action's ${ms(network)}. ` +
        `The action's network part is ${ms((curl.network?.median ?? Number.NaN) - network)} shorter; its start-up is ${ms(startup - (curl.startup?.median ?? Number.NaN))} longer, which is why it ${a < curl.ms!.median ? 'wins by only' : 'loses by'} ${ms(Math.abs(curl.ms!.median - a))}. ` +
        ((c.firstConnectOverNodeMs ?? Number.POSITIVE_INFINITY) <= 40
          ? `To come within 2× the floor (${ms(2 * r.floor.floorMs)}), with the start-up as measured (${ms(startup)}, within its target), the network part would have to be ${ms(2 * r.floor.floorMs - startup - exit)}: ${ms(network - (2 * r.floor.floorMs - startup - exit))} less.`
          : `To beat the script clearly, and to come within 2× the floor (${ms(2 * r.floor.floorMs)}), the start-up has to shrink: with the network part as measured, 2× the floor leaves ${ms(2 * r.floor.floorMs - network - exit)} for start-up.`)
    )
  }
  if (r.batch) {
    const b = r.batch
    out.push(
      `- **Batch**: ${b.windowRate.toFixed(1)} creates/s while creating (${(b.windowFraction * 100).toFixed(1)} % of 30/s) and ${b.throttled} 429s: the action paces secret creates itself (95 % of the documented 300 per 10 s, burst 10), so the vault never has to refuse; over the whole step (${(b.ms / 1000).toFixed(1)} s, including start-up, sign-in and the KEK read) it is ${(b.stepFraction * 100).toFixed(1)} %.`
    )
  }
  return out.join('\n')
}
