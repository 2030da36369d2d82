/**
 * Debug-only help for a stack from the minified bundle: each frame in a bundle that has a
 * `.map` beside it (dist/…/index.js.map, committed without sources, only positions) gets the
 * src/ file and line it came from. Read only when a crash is reported with debug on, so a
 * normal run never parses the map.
 */
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

const FRAME = /((?:file:\/\/)?\/[^\s():]+\.js):(\d+):(\d+)/g

/** `stack`, with ` [src/x.ts:L:C]` after each frame the bundle's source map knows. */
export function withSourcePositions(stack: string): string {
  const maps = new Map<string, SourceMap | undefined>()
  return stack.replace(FRAME, (frame: string, file: string, line: string, column: string) => {
    const path = file.startsWith('file://') ? fileURLToPath(file) : file
    if (!maps.has(path)) maps.set(path, readMap(`${path}.map`))
    const entry = maps.get(path)?.findEntry(Number(line) - 1, Number(column) - 1)
    if (!entry || !('originalSource' in entry)) return frame
    const source = entry.originalSource.replace(/^(?:\.\.\/)+/, '')
    return `${frame} [${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}]`
  })
}

function readMap(path: string): SourceMap | undefined {
  try {
    return existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8'))) : undefined
  } catch {
    return undefined
  }
}
