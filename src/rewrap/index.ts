import { run } from './main.ts'

/* istanbul ignore next */
await run()
