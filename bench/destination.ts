// Where a bench run's results go. Only a full run rewrites the committed results (bench/results/
// and the section of docs/performance.md between its bench markers); a quick run's 3 repetitions
// are for a look, so they go to bench/.work/quick (ignored by git) and leave the working tree clean.
import { join } from 'node:path'
import { REPO } from './paths.ts'

/** The document whose bench section a full run rewrites, from the repository root. */
export const PERFORMANCE_DOCUMENT = join('docs', 'performance.md')

export interface Destination {
  /** Folder for results.md, results.json, the charts and README-snippet.md. */
  readonly dir: string
  /** The document rewritten between its bench markers (docs/performance.md); undefined: left alone. */
  readonly document: string | undefined
}

export function destination(options: { quick: boolean }, repo: string = REPO): Destination {
  return options.quick
    ? { dir: join(repo, 'bench', '.work', 'quick'), document: undefined }
    : { dir: join(repo, 'bench', 'results'), document: join(repo, PERFORMANCE_DOCUMENT) }
}
