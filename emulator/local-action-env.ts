// A dotenv file for GitHub's local runner (`npx @github/local-action . src/actions/create/action.ts .env`) that
// points a run at the stand-ins: their proxy, test CA and OIDC endpoint, the variables the runner
// would set (for the CreatedBy tag and the job summary), and the inputs of the provisioned vault
// and app. `npm run emulator -- --write-env .env` writes it; so does the local-action test.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { LocalAzure } from './index.ts'

export function localActionEnv(azure: LocalAzure, inputs: Record<string, string>): string {
  const env = azure.env()
  // The runner's file for the job summary; local-action has none of its own. In the stand-ins'
  // folder, so it goes when they stop.
  const summary = join(dirname(env['NODE_EXTRA_CA_CERTS']!), 'step-summary.md')
  writeFileSync(summary, '', { flag: 'a' })
  const claims = azure.github.currentClaims()
  const variables: Record<string, string> = {
    HTTPS_PROXY: env['HTTPS_PROXY']!,
    NO_PROXY: '',
    NODE_EXTRA_CA_CERTS: env['NODE_EXTRA_CA_CERTS']!,
    ACTIONS_ID_TOKEN_REQUEST_URL: env['ACTIONS_ID_TOKEN_REQUEST_URL']!,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']!,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'contoso/infra',
    GITHUB_RUN_ID: String(claims['run_id'] ?? '1'),
    GITHUB_RUN_ATTEMPT: '1',
    // The runner keeps hyphens in input names, and so does local-action's getInput.
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]))
  }
  return [
    '# Written by the local Azure stand-ins: valid while they run (their ports, CA and app change on every start).',
    ...Object.entries(variables).map(([name, value]) => `${name}=${quote(value)}`),
    ''
  ].join('\n')
}

/** dotenv's single quotes: no expansion, no escapes; the values here never hold a quote or a line break. */
function quote(value: string): string {
  if (/['\n]/.test(value)) throw new Error(`cannot write ${JSON.stringify(value)} to a .env file`)
  return `'${value}'`
}
