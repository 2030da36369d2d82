// `npm run emulator`'s second block: the Azure CLI against the stand-ins, signed in the way
// azure/login does it (a service principal with a GitHub OIDC token as its federated credential).
import type { LocalAzure } from './index.ts'
import type { BekVault } from './provision.ts'

const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`

export function azBlock(azure: LocalAzure, demo: BekVault, subscriptionId: string): string[] {
  const env = azure.env()
  // A fresh token at each paste, from the stand-in's ID-token endpoint, as azure/login asks the
  // runner's: a token printed here would expire after 5 minutes, as GitHub's do.
  const idToken =
    `curl -sS --cacert "$REQUESTS_CA_BUNDLE" -H ${q(`Authorization: bearer ${env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}`)} ` +
    `${q(`${env['ACTIONS_ID_TOKEN_REQUEST_URL']}&audience=api://AzureADTokenExchange`)} | python3 -c 'import json, sys; print(json.load(sys.stdin)["value"])'`
  return [
    '# To drive the Azure CLI (az) against them, paste what follows into a shell of its own (any directory).',
    '# It sends all of its HTTPS through the stand-ins too, and signs in as the app above, as azure/login does:',
    ...['HTTPS_PROXY', 'HTTP_PROXY', 'REQUESTS_CA_BUNDLE'].map((k) => `export ${k}=${q(env[k]!)}`),
    "export NO_PROXY=''",
    'export AZURE_CONFIG_DIR="$(mktemp -d)" AZURE_CORE_COLLECT_TELEMETRY=no',
    `az login --service-principal --username ${demo.clientId} --tenant ${demo.tenantId} --federated-token "$(${idToken})" --output table`,
    `az account show --query id --output tsv   # the subscription: ${subscriptionId}`,
    `az keyvault show --name ${demo.vault} --query id --output tsv   # the vault's resource ID (key-vault-id)`,
    "# Rotate the KEK. With Microsoft's az: az keyvault key rotate --vault-name bek-demo --name disk-kek; Debian's azure-cli 2.45",
    '# lacks the Key Vault SDK that needs, and az rest, which sends the request itself, works with both:',
    `az rest --method post --resource https://vault.azure.net --url ${q(`${demo.vaultUrl}/keys/${demo.kek}/rotate?api-version=7.5`)} --query key.kid --output tsv`
  ]
}
