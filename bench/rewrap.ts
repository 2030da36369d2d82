// Benchmark 4: the rewrap action over 300 BEKs after a KEK rotation, against the stand-in
// enforcing Key Vault's per-vault limits, and against one that leaves the action only half of
// them (another client sharing the vault), where 429s must be waited out. Checks that nothing
// is lost: one new version per BEK, each unwrapping (with the new KEK's private key, outside
// the vault) to the same bytes as before, and a second run that stores nothing.
// `node bench/rewrap.ts` runs it alone and writes bench/results/rewrap.{json,md}.
import { constants, createPrivateKey, privateDecrypt, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { LocalAzureOptions } from '../emulator/index.ts'
import type { ThrottleLimits } from '../emulator/keyvault/throttle.ts'
import { runAction } from '../emulator/runner.ts'
import { bundle } from './bundle.ts'
import { storeWrappedBek } from '../emulator/wrapped-bek.ts'
import { REPO } from './paths.ts'
import { benchScenarios, firstErrors } from './scenarios.ts'
import { createBenchWorld, KEK, KEK_BITS, VAULT } from './world.ts'

export const REWRAP_COUNT = 300

export interface RewrapScenario {
  label: string
  limits: string
  count: number
  ok: boolean
  exitCode: number | null
  ms: number
  requests: number
  throttled: number
  /** 429s by operation. */
  throttledBy: Record<string, number>
  puts: number
  wraps: number
  unwraps: number
  rewrappedOutput: number
  /** BEKs with exactly one new version, on the new KEK version, unwrapping to the same bytes. */
  intact: number
  /** PUTs of a second run right after (0: nothing rewrapped twice). */
  secondRunPuts: number
  /** Secrets rewrapped per second, whole step. */
  rate: number
  error?: string
}

const kid = (version: string): string => `https://${VAULT}.vault.azure.net/keys/${KEK}/${version}`

function decrypt(pem: string, value: string): Buffer {
  return privateDecrypt(
    { key: createPrivateKey(pem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(value, 'base64url')
  )
}

export async function benchRewrapScenario(
  label: string,
  limits: Partial<ThrottleLimits> | undefined,
  options: LocalAzureOptions,
  entry: string,
  count = REWRAP_COUNT
): Promise<RewrapScenario> {
  const world = await createBenchWorld({ ...options, throttling: true, ...(limits ? { throttleLimits: limits } : {}) })
  try {
    const kv = world.azure.keyVault
    const v1 = kv.getKey(VAULT, KEK)!
    const plaintext = new Map<string, Buffer>()
    for (let i = 0; i < count; i++) {
      const name = `bek-${String(i).padStart(3, '0')}`
      const bytes = randomBytes(32)
      plaintext.set(name, bytes)
      storeWrappedBek(kv, VAULT, name, { kid: kid(v1.version), privateKeyPem: v1.privateKeyPem }, bytes)
    }
    const v2 = await kv.createKey(VAULT, KEK, { size: KEK_BITS }) // the rotation
    const inputs = { 'key-vault': VAULT, 'kek-name': KEK, 'client-id': world.clientId, 'tenant-id': world.tenantId }

    world.azure.clearLogs()
    const r = await runAction({ localAzure: world.azure, inputs, entry, timeoutMs: 300_000 })
    const requests = [...world.azure.requests]
    const throttledBy: Record<string, number> = {}
    for (const q of requests.filter((q) => q.status === 429))
      throttledBy[q.operation ?? q.method] = (throttledBy[q.operation ?? q.method] ?? 0) + 1
    const count200 = (op: string): number => requests.filter((q) => q.operation === op && q.status === 200).length
    let rewrappedOutput = -1
    try {
      rewrappedOutput = (JSON.parse(r.outputs['rewrapped'] ?? '[]') as unknown[]).length
    } catch {
      // stays -1
    }
    let intact = 0
    for (const [name, bytes] of plaintext) {
      const versions = kv.getSecretVersions(VAULT, name) as Array<{ value: string; tags?: Record<string, string> }>
      const latest = versions.at(-1)!
      if (versions.length === 2 && latest.tags?.['DiskEncryptionKeyEncryptionKeyURL'] === kid(v2.version)) {
        if (decrypt(v2.privateKeyPem, latest.value).equals(bytes)) intact++
      }
    }

    world.azure.clearLogs()
    const again = await runAction({ localAzure: world.azure, inputs, entry, timeoutMs: 120_000 })
    const secondRunPuts = world.azure.requests.filter((q) => q.method === 'PUT').length + (again.exitCode === 0 ? 0 : 1_000_000)

    const ok = r.exitCode === 0 && rewrappedOutput === count && intact === count && secondRunPuts === 0
    return {
      label,
      limits: limits ? JSON.stringify(limits) : "Key Vault's documented limits",
      count,
      ok,
      exitCode: r.exitCode,
      ms: r.durationMs,
      requests: requests.length,
      throttled: requests.filter((q) => q.status === 429).length,
      throttledBy,
      puts: count200('setSecret'),
      wraps: count200('wrapKey'),
      unwraps: count200('unwrapKey'),
      rewrappedOutput,
      intact,
      secondRunPuts,
      rate: (intact / r.durationMs) * 1000,
      ...(ok
        ? {}
        : {
            error: firstErrors(r.stdout + again.stdout, 5)
          })
    }
  } finally {
    await world.close()
  }
}

/** Both scenarios; rewrap.{json,md} in `out` (bench/results/, or a quick run's folder: destination.ts). */
export async function benchRewrap(
  options: LocalAzureOptions,
  log: (line: string) => void,
  entry = join(bundle.dir, 'rewrap', 'index.js'),
  out = join(REPO, 'bench', 'results')
): Promise<RewrapScenario[]> {
  return benchScenarios(
    {
      name: 'rewrap',
      scenarios: [
        ["Key Vault's limits", undefined],
        // Another client takes half the vault's budget: the action's pacing is too fast for what is left.
        ['half the limits (a shared vault)', { secretWrite: 150, rsaOp: 2000, other: 2000 }]
      ],
      run: (label, limits) => benchRewrapScenario(label, limits, options, entry),
      line: (s) =>
        `${s.ok ? 'ok' : `FAILED: ${s.error}`}: ${s.count} BEKs in ${(s.ms / 1000).toFixed(1)} s (${s.rate.toFixed(1)}/s), ${s.throttled} × 429 ${JSON.stringify(s.throttledBy)}, ${s.puts} PUTs, ${s.intact}/${s.count} intact, second run ${s.secondRunPuts} PUTs`,
      markdown: (results) => rewrapMarkdown(results, options)
    },
    options,
    log,
    out
  )
}

function rewrapMarkdown(results: readonly RewrapScenario[], options: LocalAzureOptions): string {
  const rows = results.map(
    (s) =>
      `| ${s.label} | ${s.count} | ${s.ok ? 'yes' : 'NO'} | ${(s.ms / 1000).toFixed(1)} s | ${s.rate.toFixed(1)} | ${s.throttled} | ${s.puts} | ${s.wraps} | ${s.unwraps} | ${s.intact} | ${s.secondRunPuts} |`
  )
  return [
    `# Rewrap: ${REWRAP_COUNT} BEKs after a KEK rotation`,
    '',
    `Stand-ins with ${options.latencyMs ?? 0} ms per request and ${options.connectLatencyMs ?? 0} ms per new connection, enforcing Key Vault's per-vault limits (or half of them); KEK RSA-${KEK_BITS} (software). A model, not Azure.`,
    '"Intact": exactly one new version, on the new KEK version, whose value the new version\'s private key (outside the vault) unwraps to the same bytes as before. "Second run": PUTs of a re-run right after.',
    '',
    '| Vault | BEKs | All rewrapped | Step | BEKs/s | 429s | PUTs | wraps | unwraps | Intact | Second run PUTs |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    ''
  ].join('\n')
}

if (import.meta.main) {
  const results = await benchRewrap({ latencyMs: 30, connectLatencyMs: 30 }, console.log, join(REPO, 'dist', 'rewrap', 'index.js'))
  process.exitCode = results.every((s) => s.ok) ? 0 : 1
}
