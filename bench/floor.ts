// The floor: what one BEK cannot avoid. One token request, one wrapkey and one secret set
// (3 × request latency) over two TLS connections (Entra, vault: 2 × connection latency), plus
// starting a bare Node process (measured: median of `node -e 0`).
import { runProcess } from './proc.ts'
import { summarize, type Summary } from './stats.ts'

export interface Floor {
  latencyMs: number
  connectLatencyMs: number
  networkMs: number
  nodeStart: Summary
  floorMs: number
}

export async function measureNodeStart(repetitions: number): Promise<Summary> {
  const times: number[] = []
  for (let i = 0; i < repetitions; i++) {
    const r = await runProcess(process.execPath, ['-e', '0'], { env: { PATH: process.env['PATH'] ?? '' }, timeoutMs: 10_000 })
    if (r.code === 0) times.push(r.ms)
  }
  return summarize(times)
}

export function computeFloor(latencyMs: number, connectLatencyMs: number, nodeStart: Summary): Floor {
  const networkMs = 3 * latencyMs + 2 * connectLatencyMs
  return { latencyMs, connectLatencyMs, networkMs, nodeStart, floorMs: networkMs + nodeStart.median }
}
