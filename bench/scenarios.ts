// The throttled-vault benchmarks (rewrap.ts, inventory.ts) run one scenario per set of vault
// limits, log a line each, and write <name>.json and <name>.md beside the other results.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalAzureOptions } from '../emulator/index.ts'
import type { ThrottleLimits } from '../emulator/keyvault/throttle.ts'

export type Limits = Partial<ThrottleLimits> | undefined

export interface ScenarioBench<S> {
  readonly name: string
  readonly scenarios: ReadonlyArray<readonly [label: string, limits: Limits]>
  readonly run: (label: string, limits: Limits) => Promise<S>
  readonly line: (scenario: S) => string
  readonly markdown: (results: readonly S[]) => string
}

export async function benchScenarios<S>(
  bench: ScenarioBench<S>,
  options: LocalAzureOptions,
  log: (line: string) => void,
  out: string
): Promise<S[]> {
  const results: S[] = []
  for (const [label, limits] of bench.scenarios) {
    const scenario = await bench.run(label, limits)
    results.push(scenario)
    log(`   ${label}: ${bench.line(scenario)}`)
  }
  await mkdir(out, { recursive: true })
  await writeFile(
    join(out, `${bench.name}.json`),
    JSON.stringify({ date: new Date().toISOString(), options, scenarios: results }, null, 2) + '\n'
  )
  await writeFile(join(out, `${bench.name}.md`), bench.markdown(results))
  return results
}

/** The step's first `::error::` lines, for a scenario that failed. */
export function firstErrors(stdout: string, count = 3): string {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('::error::'))
    .slice(0, count)
    .join(' | ')
    .slice(0, 800)
}
