/**
 * dist/ holds each lazily loaded chunk once: a sub-action's copy of a root chunk, or of an
 * earlier sub-action's, is a re-export (scripts/build.ts, shareChunks). The sub-actions' e2e tests sign in through it.
 */
import { describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BUNDLES } from '../../scripts/build.ts'

const chunks = BUNDLES.flatMap(({ out }) =>
  readdirSync(out)
    .filter((name) => /^\d+\.index\.js$/.test(name))
    .map((name) => ({ path: join(out, name), bytes: readFileSync(join(out, name)) }))
)

describe('chunks in dist/', () => {
  test('no two chunk files have the same bytes', () => {
    const byHash = new Map<string, string[]>()
    for (const { path, bytes } of chunks) {
      const hash = createHash('sha256').update(bytes).digest('hex')
      byHash.set(hash, [...(byHash.get(hash) ?? []), path])
    }
    expect([...byHash.values()].filter((paths) => paths.length > 1 && readFileSync(paths[0]!).length > 64)).toEqual([])
  })

  test('the sign-in chunk is in the root bundle, and a sub-action carries its own copy only where its module ids differ', () => {
    // ncc numbers modules per bundle ("deterministic" ids whose collisions each bundle resolves in
    // its own way), so a sub-action's sign-in chunk can name one module by another id than the
    // root's: that copy then differs from the root's and is kept; an identical one is a re-export.
    const signIn = chunks.filter(({ bytes }) => bytes.includes('@azure/msal') || bytes.length > 300_000)
    const root = signIn.filter(({ path }) => /^dist\/\d+\.index\.js$/.test(path))
    expect(root).toHaveLength(1)
    const name = root[0]!.path.slice('dist/'.length)
    for (const { out } of BUNDLES.filter(({ out }) => out !== 'dist' && out !== 'dist/post')) {
      const own = readFileSync(join(out, name))
      if (own.length < 64) expect(own.toString('utf8')).toBe(`export * from '../${name}'\n`)
      else expect(own.equals(root[0]!.bytes)).toBe(false)
    }
  })
})
