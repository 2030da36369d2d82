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

  test('the sign-in chunk is committed once, in the root bundle; every sub-action re-exports it', () => {
    const signIn = chunks.filter(({ bytes }) => bytes.includes('@azure/msal') || bytes.length > 300_000)
    expect(signIn.map(({ path }) => path)).toEqual([expect.stringMatching(/^dist\/\d+\.index\.js$/)])
    const name = signIn[0]!.path.slice('dist/'.length)
    for (const { out } of BUNDLES.filter(({ out }) => out !== 'dist' && out !== 'dist/post')) {
      expect(readFileSync(join(out, name), 'utf8')).toBe(`export * from '../${name}'\n`)
    }
  })
})
