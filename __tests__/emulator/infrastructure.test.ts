import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseFileCommand, runAction } from '../../emulator/runner.ts'
import { setup, type Fixture } from './helpers.ts'

let f: Fixture
beforeAll(async () => {
  f = await setup({}, 'kv-infra')
})
afterAll(async () => {
  await f.close()
})

describe('proxy', () => {
  test('unknown hosts and vaults that do not exist are refused with 502', async () => {
    f.az.clearLogs()
    await expect(f.http.request('GET', 'https://no-such-vault.vault.azure.net/secrets/x?api-version=7.6')).rejects.toMatchObject({
      statusCode: 502
    })
    await expect(f.http.request('GET', 'https://example.com/')).rejects.toMatchObject({ statusCode: 502 })
    expect(f.az.connects).toEqual([
      expect.objectContaining({ target: 'no-such-vault.vault.azure.net:443', allowed: false }),
      expect.objectContaining({ target: 'example.com:443', allowed: false })
    ])
  })

  test('keep-alive: many requests share one tunnel', async () => {
    await f.vaultToken()
    f.az.clearLogs()
    for (let i = 0; i < 5; i++) expect((await f.kv('GET', '/keys/kek')).status).toBe(200)
    expect(f.az.connects).toHaveLength(1)
    expect(f.az.requests).toHaveLength(5)
    expect(f.az.requests.every((r) => r.authenticated && r.operation === 'getKey')).toBe(true)
  })

  test('env() has what the product and az need', () => {
    const env = f.az.env()
    expect(env).toMatchObject({
      HTTPS_PROXY: f.az.proxyUrl,
      HTTP_PROXY: f.az.proxyUrl,
      NO_PROXY: '',
      NODE_EXTRA_CA_CERTS: f.az.caPath,
      REQUESTS_CA_BUNDLE: f.az.caPath,
      SSL_CERT_FILE: f.az.caPath
    })
    expect(env['ACTIONS_ID_TOKEN_REQUEST_URL']).toMatch(/^https:\/\/pipelinesghubeus1\.actions\.githubusercontent\.com\//)
    expect(f.az.proxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})

describe('faults', () => {
  test('status fault with headers and body, used `times` times, then normal handling', async () => {
    const body = {
      error: {
        code: 'Throttled',
        message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached'
      }
    }
    f.az.faults.add({
      host: /\.vault\.azure\.net$/,
      method: 'GET',
      path: /\/keys\//,
      times: 2,
      status: 429,
      headers: { 'Retry-After': '1' },
      body
    })
    const a = await f.kv('GET', '/keys/kek')
    const b = await f.kv('GET', '/keys/kek')
    const c = await f.kv('GET', '/keys/kek')
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200])
    expect(a.headers['retry-after']).toBe('1')
    expect(a.json).toEqual(body)
    expect(f.az.faults.pending).toBe(0)
  })

  test('503 and reset', async () => {
    f.az.faults.add({ path: /wrapkey$/i, status: 503 })
    expect((await f.kv('POST', '/keys/kek/wrapkey', { body: { alg: 'RSA-OAEP', value: 'AAAA' } })).status).toBe(503)
    f.az.faults.add({ host: 'kv-infra.vault.azure.net', reset: true })
    await expect(f.kv('GET', '/keys/kek')).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|socket hang up/) })
    const last = f.az.requests[f.az.requests.length - 1]!
    expect(last.fault).toBe('reset')
    expect((await f.kv('GET', '/keys/kek')).status).toBe(200)
  })

  test('delay fault slows one response and is then handled normally', async () => {
    f.az.faults.add({ path: /\/keys\/kek$/, delayMs: 150 })
    const t0 = Date.now()
    expect((await f.kv('GET', '/keys/kek')).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
  })
})

describe('latency and throttling', () => {
  test('latencyMs is added to each response, connectLatencyMs to each tunnel', async () => {
    const slow = await setup({ latencyMs: 80, connectLatencyMs: 120 }, 'kv-slow')
    try {
      const token = await slow.vaultToken()
      slow.http.close()
      const fresh = (await import('../../emulator/http-client.ts')).proxyClient(slow.az.proxyUrl, slow.az.caPath)
      const t0 = Date.now()
      await fresh.request('GET', `${slow.vaultUrl}keys/kek?api-version=7.6`, { headers: { authorization: `Bearer ${token}` } })
      const first = Date.now() - t0
      const t1 = Date.now()
      await fresh.request('GET', `${slow.vaultUrl}keys/kek?api-version=7.6`, { headers: { authorization: `Bearer ${token}` } })
      const second = Date.now() - t1
      fresh.close()
      expect(first).toBeGreaterThanOrEqual(195)
      expect(second).toBeGreaterThanOrEqual(75)
      expect(second).toBeLessThan(first)
      expect(slow.az.requests[slow.az.requests.length - 1]!.durationMs).toBeGreaterThanOrEqual(75)
    } finally {
      await slow.close()
    }
  })

  test('429 Throttled with Retry-After once the per-vault secret write limit is reached', async () => {
    const t = await setup({ throttling: true }, 'kv-throttle')
    try {
      const statuses: number[] = []
      for (let i = 0; i < 301; i++) statuses.push((await t.kv('PUT', `/secrets/s${i % 5}`, { body: { value: 'x' } })).status)
      expect(statuses.slice(0, 300).every((s) => s === 200)).toBe(true)
      expect(statuses[300]).toBe(429)
      const res = await t.kv('PUT', '/secrets/s0', { body: { value: 'x' } })
      expect(res.status).toBe(429)
      expect(res.json).toEqual({
        error: {
          code: 'Throttled',
          message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached'
        }
      })
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(10)
      // Other request types have their own budget.
      expect((await t.kv('GET', '/secrets/s0')).status).toBe(200)
    } finally {
      await t.close()
    }
  }, 30_000)

  test('RSA operations are weighted by key size (small window for speed)', async () => {
    const t = await setup({ throttling: true, throttleLimits: { rsaOp: 8, windowMs: 1000 } }, 'kv-rsa')
    try {
      await t.az.keyVault.createKey(t.vault, 'big', { size: 4096 })
      const body = { alg: 'RSA-OAEP', value: Buffer.alloc(32, 1).toString('base64url') }
      expect((await t.kv('POST', '/keys/big/wrapkey', { body })).status).toBe(200)
      const res = await t.kv('POST', '/keys/big/wrapkey', { body })
      expect(res.status).toBe(429)
      expect(res.headers['retry-after']).toBe('1')
      await new Promise((r) => setTimeout(r, 1050))
      expect((await t.kv('POST', '/keys/big/wrapkey', { body })).status).toBe(200)
    } finally {
      await t.close()
    }
  })
})

describe('runner', () => {
  test('parses the heredoc file-command format', () => {
    expect(parseFileCommand('a<<ghadelimiter_1\nline1\nline2\nghadelimiter_1\nb<<ghadelimiter_2\n\nghadelimiter_2\nc=d\n')).toEqual({
      a: 'line1\nline2',
      b: '',
      c: 'd'
    })
  })

  test('runs an entry like the GitHub runner: INPUT_ names keep hyphens, outputs and summary collected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-test-'))
    const entry = join(dir, 'entry.mjs')
    await writeFile(
      entry,
      `import { appendFileSync } from 'node:fs';
       const e = process.env;
       appendFileSync(e.GITHUB_OUTPUT, 'vault<<EOF_1\\n' + e['INPUT_KEY-VAULT'] + '\\nEOF_1\\n');
       appendFileSync(e.GITHUB_OUTPUT, 'proxy<<EOF_2\\n' + e.HTTPS_PROXY + '\\nEOF_2\\n');
       appendFileSync(e.GITHUB_STEP_SUMMARY, '# done\\n');
       console.log(JSON.stringify({ debug: e.RUNNER_DEBUG, actions: e.GITHUB_ACTIONS, oidc: !!e.ACTIONS_ID_TOKEN_REQUEST_TOKEN, stray: e.JEST_WORKER_ID ?? null }));
       process.exitCode = 3;`
    )
    const r = await runAction({ localAzure: f.az, inputs: { 'key-vault': 'kv-infra' }, debug: true, entry })
    expect(r.exitCode).toBe(3)
    expect(r.outputs).toEqual({ vault: 'kv-infra', proxy: f.az.proxyUrl })
    expect(r.summary).toBe('# done\n')
    expect(JSON.parse(r.stdout)).toEqual({ debug: '1', actions: 'true', oidc: true, stray: null })
  })
})
