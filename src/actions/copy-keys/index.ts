import { runWithLastResort } from '../../runner/last-resort.ts'
import { run } from './action.ts'

/* istanbul ignore next */
await runWithLastResort(run)
