// Benchmark 5: the inventory of a vault of 1,000 BEKs with 3 versions each (3,000 BEK versions,
// on 3 KEK versions), against the stand-in enforcing Key Vault's per-vault limits and half of
// them (a shared vault), where 429s must be waited out. Checks that nothing is missed: every
// version listed once in report-file, each KEK version read once, the counts right.
// `node bench/inventory.ts` runs it alone and writes bench/results/inventory.{json,md}.
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalAzureOptions } from '../emulator/index.ts'
import type { ThrottleLimits } from '../emulator/keyvault/throttle.ts'
import { makeJobDir, runAction } from '../emulator/runner.ts'
import { bundle } from './bundle.ts'
import { storeWrappedBek } from '../emulator/wrapped-bek.ts'
import { REPO } from './paths.ts'
import { benchScenarios, firstErrors } from './scenarios.ts'
import { createBenchWorld, KEK, KEK_BITS, VAULT } from './world.ts'

export const INVENTORY_SECRETS = 1000
export const INVENTORY_VERSIONS = 3

export interface InventoryScenario {
  label: string
  versions: number
  ok: boolean
  exitCode: number | null
  ms: number
  requests: number
  throttled: number
  /** BEK versions in report-file, each once. */
  listed: number
  /** Key reads (getKey): each KEK version once, and the key's current version. */
  kekReads: number
  /** BEK versions listed per second, whole step. */
  rate: number
  peakRssKiB?: number
  error?: string
}

const kid = (version: string): string => `https://${VAULT}.vault.azure.net/keys/${KEK}/${version}`

export async function benchInventoryScenario(
  label: string,
  limits: Partial<ThrottleLimits> | undefined,
  options: LocalAzureOptions,
  entry: string
): Promise<InventoryScenario> {
  const world = await createBenchWorld({ ...options, throttling: true, ...(limits ? { throttleLimits: limits } : {}) })
  try {
    const kv = world.azure.keyVault
    // Three KEK versions, each the KEK of one version of every secret: a vault after two rotations.
    const keks = [
      kv.getKey(VAULT, KEK)!,
      await kv.createKey(VAULT, KEK, { size: KEK_BITS }),
      await kv.createKey(VAULT, KEK, { size: KEK_BITS })
    ]
    for (let i = 0; i < INVENTORY_SECRETS; i++) {
      const name = `bek-${String(i).padStart(4, '0')}`
      for (const kek of keks.slice(0, INVENTORY_VERSIONS))
        storeWrappedBek(kv, VAULT, name, { ...kek, kid: kid(kek.version) }, randomBytes(32))
    }
    const job = await makeJobDir()
    const inputs = { 'key-vault': VAULT, 'client-id': world.clientId, 'tenant-id': world.tenantId, 'report-file': 'inventory.json' }
    world.azure.clearLogs()
    const r = await runAction({ localAzure: world.azure, inputs, entry, jobDir: job.dir, timeoutMs: 300_000, measureMemory: true })
    const requests = [...world.azure.requests]
    let rows: Array<{ 'secret-url'?: string }> = []
    try {
      rows = JSON.parse(await readFile(join(job.workspace, 'inventory.json'), 'utf8')) as typeof rows
    } catch {
      // stays empty: not ok
    }
    const listed = new Set(rows.map((row) => row['secret-url'])).size
    const versions = INVENTORY_SECRETS * INVENTORY_VERSIONS
    const keyReads = requests.filter((q) => q.operation === 'getKey' && q.status === 200).map((q) => q.path.toLowerCase())
    const kekReads = keyReads.length
    // Each KEK version read once (and the key's current version, to tell not-current), none twice.
    const readOnce = new Set(keyReads).size === kekReads && keks.every((k) => keyReads.some((p) => p.includes(k.version.toLowerCase())))
    const ok = r.exitCode === 0 && listed === versions && rows.length === versions && readOnce
    return {
      label,
      versions,
      ok,
      exitCode: r.exitCode,
      ms: r.durationMs,
      requests: requests.length,
      throttled: requests.filter((q) => q.status === 429).length,
      listed,
      kekReads,
      rate: (listed / r.durationMs) * 1000,
      ...(r.peakRssKiB !== undefined ? { peakRssKiB: r.peakRssKiB } : {}),
      ...(ok
        ? {}
        : {
            error: firstErrors(r.stdout)
          })
    }
  } finally {
    await world.close()
  }
}

/** Both scenarios; inventory.{json,md} in `out` (bench/results/, or a quick run's folder). */
export async function benchInventory(
  options: LocalAzureOptions,
  log: (line: string) => void,
  entry = join(bundle.dir, 'inventory', 'index.js'),
  out = join(REPO, 'bench', 'results')
): Promise<InventoryScenario[]> {
  return benchScenarios(
    {
      name: 'inventory',
      scenarios: [
        ["Key Vault's limits", undefined],
        // Another client takes most of the vault's read budget: a storm of 429s to wait out.
        ['an eighth of the read limit (429 storm)', { other: 500 }]
      ],
      run: (label, limits) => benchInventoryScenario(label, limits, options, entry),
      line: (s) =>
        `${s.ok ? 'ok' : `FAILED: ${s.error}`}: ${s.listed}/${s.versions} BEK versions in ${(s.ms / 1000).toFixed(1)} s (${s.rate.toFixed(0)}/s), ${s.requests} requests, ${s.throttled} × 429, ${s.kekReads} KEK reads${s.peakRssKiB ? `, peak ${Math.round(s.peakRssKiB / 1024)} MiB` : ''}`,
      markdown: (results) => inventoryMarkdown(results, options)
    },
    options,
    log,
    out
  )
}

function inventoryMarkdown(results: readonly InventoryScenario[], options: LocalAzureOptions): string {
  const rows = results.map(
    (s) =>
      `| ${s.label} | ${s.versions} | ${s.ok ? 'yes' : 'NO'} | ${(s.ms / 1000).toFixed(1)} s | ${s.rate.toFixed(0)} | ${s.requests} | ${s.throttled} | ${s.kekReads} | ${s.peakRssKiB ? Math.round(s.peakRssKiB / 1024) : '–'} MiB |`
  )
  return [
    `# Inventory: ${INVENTORY_SECRETS} BEKs × ${INVENTORY_VERSIONS} versions`,
    '',
    `Stand-ins with ${options.latencyMs ?? 0} ms per request and ${options.connectLatencyMs ?? 0} ms per new connection, enforcing Key Vault's per-vault limits (or half of them). A model, not Azure.`,
    '"All listed": every BEK version once in report-file (JSON), and no key version read twice.',
    '',
    '| Vault | BEK versions | All listed | Step | versions/s | requests | 429s | KEK reads | peak RSS |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    ''
  ].join('\n')
}

if (import.meta.main) {
  const results = await benchInventory({ latencyMs: 30, connectLatencyMs: 30 }, console.log, join(REPO, 'dist', 'inventory', 'index.js'))
  process.exitCode = results.every((s) => s.ok) ? 0 : 1
}
