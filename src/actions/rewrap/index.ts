import { runWithLastResort } from '../../runner/last-resort.ts'
import { run } from './main.ts'

/* istanbul ignore next */
await runWithLastResort(run)
