// Builds one committed bundle per action entry point with ncc. Code that only some runs need is
// imported lazily (`await import('./x.ts')` in src/): ncc emits it as a chunk (NNN.index.js)
// beside the bundle, and a run that never calls that import never loads it.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, posix, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Entry point → output folder under dist/. Add a line per action (or post step). */
export const BUNDLES: ReadonlyArray<{ readonly entry: string; readonly out: string }> = [
  { entry: 'src/actions/create/index.ts', out: 'dist' },
  { entry: 'src/actions/post/index.ts', out: 'dist/post' },
  { entry: 'src/actions/inventory/index.ts', out: 'dist/inventory' },
  { entry: 'src/actions/rewrap/index.ts', out: 'dist/rewrap' },
  { entry: 'src/actions/estate/index.ts', out: 'dist/estate' },
  { entry: 'src/actions/restore-keys/index.ts', out: 'dist/restore-keys' },
  { entry: 'src/actions/copy-keys/index.ts', out: 'dist/copy-keys' }
]

/**
 * Packages that dependencies import but no run of these actions can reach, left out of every
 * bundle, with the names their importers use: each gets a stand-in that throws, naming the
 * package, if it is ever called.
 * - `@actions/http-client` (and undici with it: 430 KB, 40 % of the bundle, parsed on every
 *   start) is imported by `@actions/core` at its top level only for `core.getIDToken`, which
 *   src/ never calls: src/github-oidc.ts fetches the OIDC token over the run's own connections.
 * - `@actions/exec` (and child_process with it) only for `core.platform`, which src/ never uses.
 * - `open` (and its `xdg-open` script) is MSAL's way to open a browser for an interactive
 *   sign-in, which a CI step never does.
 */
export const NOT_BUNDLED: Readonly<Record<string, readonly string[]>> = {
  '@actions/http-client': ['HttpClient'],
  '@actions/http-client/lib/auth': ['BearerCredentialHandler'],
  '@actions/exec': ['exec', 'getExecOutput'],
  open: ['default']
}

const failure = (name: string): string =>
  `()=>{throw new Error(${JSON.stringify(`${name} is not in this bundle (scripts/build.ts, NOT_BUNDLED)`)})}`

/** An ES module standing in for `name`: each export throws when called. */
export function standIn(name: string, exports: readonly string[]): string {
  const fail = failure(name)
  const source = exports.map((e) => (e === 'default' ? `export default ${fail};` : `export const ${e}=${fail};`)).join('')
  return `data:text/javascript,${encodeURIComponent(source)}`
}

/**
 * ncc emits each stand-in as a static import of its data: URL, and Node's ESM loader resolves and
 * evaluates those one after another before the bundle's first line runs (about 6 ms for four, on
 * the path to the first connection). The same exports as a plain object cost nothing. Each import
 * becomes a declaration of the same length, so the source map's columns still hold.
 */
export function inlineStandIns(code: string): string {
  let inlined = code
  for (const [name, exports] of Object.entries(NOT_BUNDLED)) {
    const url = standIn(name, exports)
    const from = `from"${url}";`
    const at = inlined.indexOf(from)
    // A stand-in that no package of this bundle imports is not in it.
    if (at < 0) continue
    const binding = /import\*as ([\w$]+) $/.exec(inlined.slice(Math.max(0, at - 40), at))
    if (!binding) throw new Error(`scripts/build.ts: the stand-in for ${name} is imported in a form inlineStandIns does not know`)
    const statement = binding[0] + from
    const object = `{__proto__:null,${exports.map((e) => `${e === 'default' ? '"default"' : e}:${failure(name)}`).join(',')}}`
    const declaration = `const ${binding[1]}=Object.freeze(${object});`
    if (declaration.length > statement.length)
      throw new Error(`scripts/build.ts: the inlined stand-in for ${name} is longer than its import`)
    inlined = inlined.replace(statement, () => declaration.padEnd(statement.length, ' '))
  }
  return inlined
}

interface NccResult {
  code: string
  map?: string
  assets: Record<string, { source: string | Buffer; permissions?: number }>
}
type Ncc = (entry: string, options: Record<string, unknown>) => Promise<NccResult>

const MAP_COMMENT = /\n?\/\/# sourceMappingURL=\S+\s*$/

/**
 * Bundles `entry` into `out`: the bundle minified (by ncc), its chunks minified too (ncc leaves
 * them as they are), licenses.txt for every package in any of them, and source maps if asked.
 */
export async function buildBundle(entry: string, out: string, options: { sourceMap?: boolean } = {}): Promise<void> {
  const ncc = createRequire(import.meta.url)('@vercel/ncc') as Ncc
  // Always with source maps: they say which packages each file holds, for licenses.txt.
  const { code, map, assets } = await ncc(resolve(entry), {
    minify: true,
    quiet: true,
    sourceMap: true,
    sourceMapRegister: false,
    // ncc's default cache (~/.cache/ncc, keyed by the working directory) kept modules from an
    // older build without their source maps: the map and licenses.txt then came out smaller, and
    // CI found dist/ different from the commit. A build from nothing gives the same bytes anywhere.
    cache: false,
    externals: Object.fromEntries(Object.entries(NOT_BUNDLED).map(([name, exports]) => [name, standIn(name, exports)]))
  })
  const files: Record<string, { source: string | Buffer; permissions?: number }> = { 'index.js': { source: code } }
  const maps = [map!]
  for (const [name, asset] of Object.entries(assets)) {
    if (name.endsWith('.js.map')) maps.push(String(asset.source))
    else if (/^\d+\.index\.js$/.test(name)) {
      // Names kept, as ncc keeps them for the bundle: some packages read their classes' names.
      // ncc's map for the chunk goes in inline, for esbuild to carry through to the minified code.
      const chunkMap = assets[`${name}.map`]?.source
      const inlineMap = chunkMap
        ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(String(chunkMap)).toString('base64')}\n`
        : ''
      const minified = await transform(String(asset.source).replace(MAP_COMMENT, '') + inlineMap, {
        minify: true,
        keepNames: true,
        format: 'esm',
        sourcemap: chunkMap ? 'external' : false,
        sourcefile: name
      })
      files[name] = { source: minified.code }
      if (minified.map) files[`${name}.map`] = { source: options.sourceMap ? minified.map : positionsOnly(minified.map, name) }
    } else if (name !== 'licenses.txt') files[name] = asset
  }
  // Node reads no map unless asked; src/stack-positions.ts reads these (bundle and chunks) for a debug-log crash.
  // Positions only (no sources, no names) keep it to a fraction of the full map; bench asks for all.
  files['index.js'] = { source: inlineStandIns(code).replace(MAP_COMMENT, '\n') }
  files['index.js.map'] = { source: options.sourceMap ? map! : positionsOnly(map!, 'index.js') }
  const attribution = licenses(maps)
  if (attribution) files['licenses.txt'] = { source: attribution }
  for (const [name, file] of Object.entries(files)) {
    mkdirSync(dirname(join(out, name)), { recursive: true })
    writeFileSync(join(out, name), file.source, { mode: file.permissions })
  }
}

/** The map without the sources' text and the names: enough to turn a bundle position into a src/ file and line. */
function positionsOnly(map: string, file: string): string {
  const { version, sources, mappings } = JSON.parse(map) as { version: number; sources: string[]; mappings: string }
  // A chunk's sources come as .././src/…: normalised, they read as the bundle's (../src/…).
  return JSON.stringify({ version, file, sources: sources.map((source) => posix.normalize(source)), names: [], mappings })
}

/** Each bundled package's name, license and license text, as ncc's own licenses.txt has them. */
function licenses(maps: readonly string[]): string {
  const packages = new Set<string>()
  for (const map of maps) {
    for (const source of (JSON.parse(map) as { sources: string[] }).sources) {
      const name = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1]
      if (name) packages.add(name)
    }
  }
  return [...packages]
    .sort()
    .map((name) => {
      const dir = join(REPO, 'node_modules', name)
      const { license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { license?: string }
      const file = existsSync(dir) ? readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f)) : undefined
      return `${name}\n${license ?? 'UNKNOWN'}\n${file ? readFileSync(join(dir, file), 'utf8').trim() : ''}\n`
    })
    .join('\n')
}

/**
 * Each chunk of a sub-action's bundle that is byte for byte a chunk of the root bundle, or of an
 * earlier sub-action's, becomes a one-line re-export of it: the sign-in chunk alone is 367 KB.
 * Identical bytes mean the same modules under the same ids, so every host bundle loads it alike.
 * ncc numbers modules per bundle (deterministic ids, each bundle resolving hash collisions in
 * its own way), so a sub-action whose graph collides differently names a module by another id
 * and keeps its own copy; __tests__/contract/shared-chunks.test.ts checks no copy is identical.
 */
export function shareChunks(root: string, outs: readonly string[]): void {
  for (const [index, out] of outs.entries()) {
    for (const name of readdirSync(out).filter((n) => /^\d+\.index\.js$/.test(n))) {
      const own = join(out, name)
      const bytes = readFileSync(own)
      const shared = [root, ...outs.slice(0, index)]
        .map((dir) => join(dir, name))
        .find((path) => existsSync(path) && !isReExport(path) && readFileSync(path).equals(bytes))
      if (!shared) continue
      writeFileSync(own, `export * from '${relative(out, shared)}'\n`)
      // Its frames are the shared chunk's now, mapped by that chunk's map.
      rmSync(`${own}.map`, { force: true })
    }
  }
}

const isReExport = (path: string): boolean => readFileSync(path, 'utf8').startsWith('export * from ')

if (import.meta.main) {
  rmSync('dist', { recursive: true, force: true })
  for (const { entry, out } of BUNDLES) {
    try {
      await buildBundle(entry, out)
    } catch (error) {
      console.error(`ncc failed for ${entry}: ${(error as Error).message}`)
      process.exit(1)
    }
  }
  shareChunks(
    BUNDLES[0]!.out,
    BUNDLES.slice(1).map((b) => b.out)
  )
}
