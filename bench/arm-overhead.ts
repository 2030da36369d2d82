// `node bench/arm-overhead.ts [repetitions]`: issue 8's bound on its own, without the rest of the
// bench. One BEK with subscription-id (the vault resources read and checked through ARM) against
// the same run without it, alternating, at the bench's latency model; with ARM the run must
// finish within 1.3× the time. `npm run bench` measures the same pair among its peers.
import { actionArmPeer, actionPeer } from './peers/action.ts'
import { snapshotBundle } from './bundle.ts'
import { benchSingle } from './single.ts'
import { createBenchWorld } from './world.ts'

export const ARM_BOUND = 1.3

const repetitions = Number(process.argv[2] ?? 9)
const log = (line: string): void => console.log(line)
await snapshotBundle(log)
const world = await createBenchWorld({ latencyMs: 30, connectLatencyMs: 30 })
try {
  const [plain, arm] = await benchSingle(world, [actionPeer, actionArmPeer], repetitions, log)
  const ratio = arm!.ms!.median / plain!.ms!.median
  log(
    `plain ${Math.round(plain!.ms!.median)} ms (${plain!.requests} requests), with subscription-id ${Math.round(arm!.ms!.median)} ms ` +
      `(${arm!.requests} requests): ${ratio.toFixed(2)}× (bound ${ARM_BOUND}×) ${ratio <= ARM_BOUND ? 'ok' : 'MISSED'}; ` +
      `failures ${plain!.failures} + ${arm!.failures}`
  )
  for (const p of [plain!, arm!]) {
    log(`${p.id} median run:`)
    for (const t of p.medianRun?.timeline ?? [])
      log(
        `  ${String(Math.round(t.at)).padStart(4)} +${String(Math.round(t.ms)).padStart(3)} ms ${t.method} ${t.host} ${t.operation} ${t.status}`
      )
  }
} finally {
  await world.close()
}
