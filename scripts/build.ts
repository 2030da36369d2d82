// Builds one committed bundle per action entry point with ncc. Each bundle's lazily imported
// chunks land beside it, so a plain run of one action never loads another's code.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'

/** Entry point → output folder under dist/. Add a line per action (or post step). */
export const BUNDLES: ReadonlyArray<{ readonly entry: string; readonly out: string }> = [
  { entry: 'src/index.ts', out: 'dist' },
  { entry: 'src/post.ts', out: 'dist/post' },
  { entry: 'src/inventory/index.ts', out: 'dist/inventory' },
  { entry: 'src/rewrap/index.ts', out: 'dist/rewrap' }
]

rmSync('dist', { recursive: true, force: true })
for (const { entry, out } of BUNDLES) {
  const ncc = spawnSync('ncc', ['build', entry, '-o', out, '--minify', '--license', 'licenses.txt', '--quiet'], {
    stdio: 'inherit',
    shell: false
  })
  if (ncc.status !== 0) {
    console.error(`ncc failed for ${entry}`)
    process.exit(ncc.status ?? 1)
  }
}
