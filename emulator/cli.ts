// `npm run emulator`: a long-running demo environment for trying the action by hand.
import { startLocalAzure } from './index.ts'
import { provisionBekVault } from './provision.ts'

const azure = await startLocalAzure({
  latencyMs: Number(process.env['LOCAL_AZURE_LATENCY_MS'] ?? 0),
  throttling: process.env['LOCAL_AZURE_THROTTLING'] === '1'
})
const demo = await provisionBekVault(azure, { vault: 'bek-demo' })

const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`
const lines = [
  '# local Azure stand-ins are running (Ctrl-C to stop)',
  `#   vault      https://bek-demo.vault.azure.net/  (RBAC, tenant ${azure.entra.tenantId})`,
  `#   KEK        ${demo.kekId}  (RSA-3072)`,
  `#   app        client id ${demo.clientId}, object id ${demo.objectId}`,
  `#   federated  ${azure.github.issuer}  sub=${demo.subject}`,
  '',
  ...Object.entries(azure.env()).map(([k, v]) => `export ${k}=${q(v)}`),
  'export GITHUB_OUTPUT=$(mktemp) GITHUB_STEP_SUMMARY=$(mktemp) GITHUB_ENV=$(mktemp) GITHUB_STATE=$(mktemp) GITHUB_PATH=$(mktemp)',
  '',
  '# Action inputs contain hyphens, which bash cannot export; pass them with env(1):',
  `env 'INPUT_KEY-VAULT=bek-demo' 'INPUT_KEK-NAME=disk-kek' 'INPUT_CLIENT-ID=${demo.clientId}' 'INPUT_TENANT-ID=${azure.entra.tenantId}' \\`,
  "    'INPUT_SECRET-NAME=bek-demo-disk' node dist/index.js"
]
console.log(lines.join('\n'))

const stop = async () => {
  await azure.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
