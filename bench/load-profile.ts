// Where the bundle's load time goes, by package: the same build as dist/ (scripts/build.ts) but
// with a source map, built into bench/.work (dist/ is not touched), imported under V8's CPU profiler
// with no inputs (the action stops at its first input check); each sample's function is mapped
// back through the source map to the package it came from.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { SourceMap } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildBundle } from '../scripts/build.ts'
import { REPO } from './paths.ts'
import { runProcess } from './proc.ts'
import { median } from './stats.ts'

export interface LoadProfile {
  runs: number
  /** Median ms per part, largest first. */
  parts: Array<{ part: string; ms: number }>
  totalMs: number
  error?: string
}

interface CpuProfile {
  nodes: Array<{
    id: number
    children?: number[]
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  }>
  samples: number[]
  timeDeltas: number[]
}

function partOf(source: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
  if (m) return m[1]!
  if (/\/src\//.test(source) || source.includes('./src/')) return 'the action (src/)'
  return 'ncc module loader (module not sampled: unattributed)'
}

/**
 * The part each profile node's self time belongs to. Bundle functions map to their package
 * through the source map. Self time in ncc's require function is (mostly) V8 compiling the
 * module being required, so it goes to the package of the module it calls (its child with the
 * most time). Node.js built-in frames go to the nearest bundle frame above them (e.g. a package
 * loading \`zlib\`); without one they are Node's own start-up.
 */
function attribute(profile: CpuProfile, entry: string, map: SourceMap): Map<number, string> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<number, number>()
  profile.samples.forEach((id, k) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)))
  const total = new Map<number, number>()
  const totalOf = (id: number): number => {
    const known = total.get(id)
    if (known !== undefined) return known
    const n = byId.get(id)!
    const t = (self.get(id) ?? 0) + (n.children ?? []).reduce((sum, c) => sum + totalOf(c), 0)
    total.set(id, t)
    return t
  }
  const sourceOf = new Map<number, string | undefined>()
  for (const n of profile.nodes) {
    if (n.callFrame.url !== entry) continue
    // A module factory's own position (\`1234:function(e,t,r){\`) has no mapping: take the first
    // mapped position after it, inside its body.
    let source = ''
    for (let k = 0; k < 400 && !source; k++) {
      const found = map.findEntry(n.callFrame.lineNumber, n.callFrame.columnNumber + k) as { originalSource?: string }
      source = found.originalSource ?? ''
    }
    sourceOf.set(n.id, source)
  }
  const isRequire = (id: number): boolean => (sourceOf.get(id) ?? '').includes('webpack/bootstrap')
  const memo = new Map<number, string>()
  const partOfNode = (id: number): string => {
    const known = memo.get(id)
    if (known) return known
    const n = byId.get(id)!
    let part: string
    if (sourceOf.has(id) && !isRequire(id)) part = partOf(sourceOf.get(id)!)
    else if (sourceOf.has(id)) {
      const children = (n.children ?? []).filter((c) => sourceOf.has(c)).sort((x, y) => totalOf(y) - totalOf(x))
      const up = parent.get(id)
      part = children.length
        ? partOfNode(children[0]!)
        : up !== undefined
          ? partOfNode(up)
          : 'ncc module loader (module not sampled: unattributed)'
    } else if (n.callFrame.functionName === 'compileSourceTextModule') part = 'parsing the bundle file (compileSourceTextModule)'
    else if (n.callFrame.functionName === '(garbage collector)') part = 'garbage collection'
    else if (n.callFrame.functionName === '(program)') part = 'V8 native (compile, other)'
    else if (n.callFrame.functionName === '(idle)') part = 'idle'
    else {
      let up = parent.get(id)
      while (up !== undefined && !sourceOf.has(up)) up = parent.get(up)
      part = up !== undefined ? partOfNode(up) : 'Node.js start-up and module loader'
    }
    memo.set(id, part)
    return part
  }
  return new Map(profile.nodes.map((n) => [n.id, partOfNode(n.id)]))
}

export async function profileLoad(
  runs: number,
  env: Record<string, string>,
  log: (line: string) => void
): Promise<LoadProfile | undefined> {
  const out = join(REPO, 'bench', '.work', 'ncc-map')
  await rm(out, { recursive: true, force: true })
  try {
    await buildBundle(join(REPO, 'src', 'index.ts'), out, { sourceMap: true })
  } catch (error) {
    log(`  load profile skipped: ncc build failed: ${String(error).slice(0, 200)}`)
    return undefined
  }
  const map = new SourceMap(JSON.parse(await readFile(join(out, 'index.js.map'), 'utf8')))
  const entry = pathToFileURL(join(out, 'index.js')).href
  const perRun: Array<Map<string, number>> = []
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(join(REPO, 'bench', '.work', 'prof-'))
    try {
      await runProcess(
        process.execPath,
        [
          '--cpu-prof',
          `--cpu-prof-dir=${dir}`,
          '--cpu-prof-interval',
          '200',
          '--input-type=module',
          '-e',
          `await import(${JSON.stringify(entry)})`
        ],
        { env, cwd: REPO, timeoutMs: 30_000 }
      )
      const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'))
      if (!file) continue
      const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile
      const partById = attribute(profile, entry, map)
      const totals = new Map<string, number>()
      profile.samples.forEach((id, k) => {
        const part = partById.get(id) ?? 'other'
        totals.set(part, (totals.get(part) ?? 0) + (profile.timeDeltas[k] ?? 0) / 1000)
      })
      perRun.push(totals)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  if (perRun.length === 0) return undefined
  const names = new Set(perRun.flatMap((m) => [...m.keys()]))
  const parts = [...names]
    .map((part) => ({ part, ms: median(perRun.map((m) => m.get(part) ?? 0)) }))
    .filter((p) => p.part !== 'idle')
    .sort((a, b) => b.ms - a.ms)
  return {
    runs: perRun.length,
    parts,
    totalMs: median(perRun.map((m) => [...m.entries()].filter(([k]) => k !== 'idle').reduce((n, [, v]) => n + v, 0)))
  }
}
