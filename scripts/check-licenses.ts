// The licensed-style check: every package the bundle can contain (the lockfile's non-dev
// packages) must carry a license from the allow-list. Run by CI and by a test.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Permissive licenses whose terms the bundle's dist/licenses.txt satisfies. */
export const ALLOWED_LICENSES: ReadonlySet<string> = new Set(['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD'])

interface LockPackage {
  readonly version?: string
  readonly license?: unknown
  readonly dev?: boolean
}

/** One line per bundled package whose license is missing or not allowed. */
export function licenseProblems(lock: { packages?: Record<string, LockPackage> }): string[] {
  const problems: string[] = []
  for (const [path, pkg] of Object.entries(lock.packages ?? {})) {
    if (path === '' || pkg.dev) continue
    const name = path.replace(/^.*node_modules\//, '')
    const license = typeof pkg.license === 'string' ? pkg.license : undefined
    const ids = license?.replace(/^\(|\)$/g, '').split(/ OR /) ?? []
    if (!ids.some((id) => ALLOWED_LICENSES.has(id.trim()))) {
      problems.push(`${name}@${pkg.version ?? '?'}: license ${license ?? 'not declared'} is not allowed`)
    }
  }
  return problems
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = licenseProblems(JSON.parse(readFileSync(process.argv[2] ?? 'package-lock.json', 'utf8')))
  for (const problem of problems) console.log(`::error::${problem}`)
  if (problems.length > 0) {
    console.log(`Review the license; if it is acceptable add it to ALLOWED_LICENSES in scripts/check-licenses.ts.`)
    process.exit(1)
  }
  console.log('All bundled dependencies have an allowed license.')
}
