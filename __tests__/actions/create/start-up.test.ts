// What a plain run loads (issue 7's start-up targets): a main bundle of at most 700 KB, without
// the packages no run uses (NOT_BUNDLED), and nothing more before its first connection; after
// it, the chunks with the BEK step and the sign-in, never the code only other runs need (ARM,
// dry-run).
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import { NOT_BUNDLED } from '../../../scripts/build.ts'
import { useWorld, errors } from '../world.ts'

const world = useWorld()

/**
 * Preloaded into the run: prints each file module Node loads (the bundle, then any chunk it
 * imports), and CONNECT when the run opens its first socket, with the built-in modules loaded
 * by then among those the first connection must not wait for.
 */
const TRACE = `data:text/javascript,${encodeURIComponent(
  "import{registerHooks}from'node:module';import net from'node:net';" +
    "registerHooks({load(url,context,next){if(url.startsWith('file:'))process.stderr.write('LOADED '+url.replace(/^.*\\/dist\\//,'dist/')+'\\n');return next(url,context)}});" +
    "const connect=net.Socket.prototype.connect;let first=true;net.Socket.prototype.connect=function(...args){if(first){first=false;process.stderr.write('CONNECT\\n');process.stderr.write('BUILTINS '+['crypto','tls','https','readline'].filter(m=>process.moduleLoadList.includes('NativeModule '+m)).join(',')+'\\n')}return connect.apply(this,args)}"
)}`

describe('start-up', () => {
  test('dist/index.js is at most 700 KB and holds neither undici nor the packages left out', () => {
    expect(statSync('dist/index.js').size).toBeLessThanOrEqual(700_000)
    const code = readFileSync('dist/index.js', 'utf8')
    expect(code).not.toMatch(/undici/i)
    for (const name of Object.keys(NOT_BUNDLED)) expect(code).toContain(`${name} is not in this bundle`)
    // Inlined: a data: URL import costs the ESM loader a module of its own before the first line runs.
    expect(code).not.toContain('from"data:')
    expect(readdirSync('dist')).not.toContain('xdg-open')
  })

  test('a plain run (OIDC, one BEK) loads only the bundle (no node:crypto, tls or https) before its first connection, and never the ARM or dry-run chunk', async () => {
    const result = await world.run({}, { env: { NODE_OPTIONS: `--import=${TRACE}` } })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.outputs['secret-url']).toMatch(/^https:\/\/bek-e2e\.vault\.azure\.net\/secrets\//)
    const events = result.stderr.split('\n').filter((line) => line === 'CONNECT' || line.startsWith('LOADED '))
    const connect = events.indexOf('CONNECT')
    expect(connect).toBeGreaterThan(0)
    expect(events.slice(0, connect)).toEqual(['LOADED dist/index.js'])
    // node:crypto, node:tls, node:https and readline (which node:fs/promises loads) come only once the first connection is out.
    expect(result.stderr.split('\n').find((line) => line.startsWith('BUILTINS'))).toBe('BUILTINS ')
    const chunks = events.slice(connect + 1).map((line) => readFileSync(line.slice('LOADED '.length), 'utf8'))
    // The story (main.ts, with the SDK's pipeline), loaded while the connections open, then the sign-in:
    // ClientAssertionCredential (with MSAL). No chunk that defines what only other runs call.
    expect(chunks.some((chunk) => defines(chunk, 'main') && chunk.includes('makeBeks'))).toBe(true)
    expect(chunks.some((chunk) => chunk.includes('ClientAssertionCredential'))).toBe(true)
    for (const chunk of chunks) for (const other of ['readVaultResources', 'dryRun']) expect(defines(chunk, other)).toBe(false)
  })
})

/** Whether a chunk exports `name` (ncc's table of getters: `{name:f(()=>…`), rather than just calls it. */
const defines = (chunk: string, name: string): boolean => new RegExp(`[{,]${name}:[\\w$]+\\(\\(\\)=>`).test(chunk)
