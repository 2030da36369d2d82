// @actions/workflow-parser imports its schemas without `with { type: 'json' }`, which Node refuses
// (ERR_IMPORT_ATTRIBUTE_MISSING) and jest only warns about for now; jest.config.js maps that import here.
import { readFileSync } from 'node:fs'

export default JSON.parse(
  readFileSync(new URL('../../../node_modules/@actions/workflow-parser/dist/workflow-v1.0.min.json', import.meta.url), 'utf8')
)
