// Where a bench run's results go. Only a full run rewrites the committed results (bench/results/
// and the README's section between its bench markers); a quick run's 3 repetitions are for a
// look, so they go to bench/.work/quick (ignored by git) and leave the working tree clean.
import { join } from 'node:path'
import { REPO } from './paths.ts'

export interface Destination {
  /** Folder for results.md, results.json, the charts and README-snippet.md. */
  readonly dir: string
  /** Whether README.md is rewritten between its bench markers. */
  readonly readme: boolean
}

export function destination(options: { quick: boolean }, repo: string = REPO): Destination {
  return options.quick
    ? { dir: join(repo, 'bench', '.work', 'quick'), readme: false }
    : { dir: join(repo, 'bench', 'results'), readme: true }
}
