// `npm run emulator`: a long-running demo environment for trying the action by hand.
// `-- --write-env <path>` also writes a dotenv file for `npm run local-action <path>` (not `--env-file`:
// Node takes that flag for itself even after the script's name, and exits 9 when the file is not there yet).
import { writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startLocalAzure } from './index.ts'
import { localActionEnv } from './local-action-env.ts'
import { provisionBekVault } from './provision.ts'
import { ESTATE_GROUP, ESTATE_VAULT, provisionDemoEstate } from './estate.ts'
import { azBlock } from './cli-az.ts'

const azure = await startLocalAzure({
  latencyMs: Number(process.env['LOCAL_AZURE_LATENCY_MS'] ?? 0),
  throttling: process.env['LOCAL_AZURE_THROTTLING'] === '1'
})
const demo = await provisionBekVault(azure, { vault: 'bek-demo' })
// The README's rotation walkthrough (rotate, inventory, rewrap) needs keys/rotate/action on the KEK.
azure.keyVault.grant(demo.vault, demo.objectId, 'Key Vault Crypto Officer')
// The estate action's demo: ADE VMs, disks, a snapshot and a scale set the same app may read, and
// Reader on the subscription (bek-demo's too), which subscription-id and az login need.
const estate = await provisionDemoEstate(azure, { objectId: demo.objectId })

// Absolute paths, so that the command works from any directory; and this Node (24, from the
// `node` devDependency under npm run), not whatever `node` the second terminal finds.
const entry = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'dist', 'index.js')
// No secret-name: each run makes a new secret named with a fresh GUID, as ADE names the ones it makes,
// so pasting the command again makes another BEK instead of failing with "already exists".
const inputs = { ...demo.inputs, 'os-type': 'linux' }
const claims = azure.github.currentClaims()
const runner = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: String(claims['repository'] ?? 'contoso/infra'),
  GITHUB_RUN_ID: String(claims['run_id'] ?? '1'),
  GITHUB_RUN_ATTEMPT: String(claims['run_attempt'] ?? '1')
}

const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`
const lines = [
  '# local Azure stand-ins are running (Ctrl-C to stop)',
  `#   vault      https://bek-demo.vault.azure.net/  (RBAC, tenant ${azure.entra.tenantId})`,
  `#   KEK        ${demo.kekId}  (RSA-3072)`,
  `#   app        client id ${demo.clientId}, object id ${demo.objectId}`,
  `#   federated  ${azure.github.issuer}  sub=${demo.subject}`,
  `#   roles      on bek-demo: Key Vault Crypto Officer (rotate), Crypto Service Encryption User, Secrets Officer; Reader on the subscription`,
  `#   subscription ${estate.subscriptionId}  (subscription-id; the vaults' resource group rg-bek-demo)`,
  `#   estate     subscription ${estate.subscriptionId}, resource group ${ESTATE_GROUP}, vault ${ESTATE_VAULT} (for dist/estate/index.js:`,
  `#              INPUT_SUBSCRIPTION-IDS=${estate.subscriptionId} with the same client-id and tenant-id)`,
  '',
  '# To run the action against them, paste what follows into a second terminal (any directory), as often as you like:',
  ...Object.entries(azure.env()).map(([k, v]) => `export ${k}=${q(v)}`),
  'export GITHUB_OUTPUT="$(mktemp)" GITHUB_STEP_SUMMARY="$(mktemp)" GITHUB_ENV="$(mktemp)" GITHUB_STATE="$(mktemp)" GITHUB_PATH="$(mktemp)"',
  '# Input names keep their hyphens (INPUT_KEY-VAULT, not INPUT_KEY_VAULT); bash cannot export those, env(1) passes them.',
  '# No secret-name: every run makes a new secret with a GUID name, as ADE does.',
  '# The GITHUB_* variables name the run the OIDC token is for, as a runner would (the CreatedBy tag links to it).',
  `env ${Object.entries(runner)
    .map(([name, value]) => q(`${name}=${value}`))
    .join(' ')} \\`,
  `    ${Object.entries(inputs)
    .map(([name, value]) => q(`INPUT_${name.toUpperCase()}=${value}`))
    .join(' ')} \\`,
  `    ${q(process.execPath)} ${q(entry)}`,
  '# ::add-mask:: and ::debug:: lines are commands for the GitHub runner; without one, they are printed as they are.',
  '# The outputs and the job summary are in files:',
  'cat "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY"',
  '',
  ...azBlock(azure, demo, estate.subscriptionId)
]
const envFileAt = process.argv.indexOf('--write-env')
if (envFileAt >= 0) {
  const envFile = process.argv[envFileAt + 1] ?? '.env'
  writeFileSync(envFile, localActionEnv(azure, inputs))
  lines.push('', `# Wrote ${envFile} for GitHub's local runner: npm run local-action ${envFile}`)
}
console.log(lines.join('\n'))

const stop = async () => {
  await azure.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
