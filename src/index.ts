import { failUnexpectedly, installLastResort } from './last-resort.ts'
import { run } from './main.ts'

installLastResort()
/* istanbul ignore next */
await run().catch(failUnexpectedly)
