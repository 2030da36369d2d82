// `npm run local-action [-- <dotenv file>]`: runs src/actions/create/action.ts under GitHub's local runner,
// @github/local-action, which stubs @actions/core and takes the inputs and the environment from
// a dotenv file (default .env; see .env.example, or `npm run emulator -- --write-env .env`).
// local-action loads that file once it is running, too late for what Node reads only when a
// process starts (the CA for the stand-ins' TLS): those variables are passed to its process here.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const START_UP_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']

const file = resolve(process.argv[2] ?? '.env')
let text: string
try {
  text = readFileSync(file, 'utf8')
} catch {
  console.error(
    `No ${file}: copy .env.example to .env and fill it in, or start the stand-ins with \`npm run emulator -- --write-env .env\`.`
  )
  process.exit(1)
}
const values = parseEnv(text)
const env = { ...process.env }
for (const name of START_UP_VARIABLES) if (values[name]) env[name] = values[name]

const localAction = join(REPO, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js')
const run = spawnSync(process.execPath, [localAction, 'run', REPO, 'src/actions/create/action.ts', file], {
  stdio: 'inherit',
  env,
  cwd: REPO
})
process.exit(run.status ?? 1)
