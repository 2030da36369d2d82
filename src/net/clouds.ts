/**
 * Everything that differs between Azure clouds, in one table, so the authority, the vault
 * host suffix and the token scope can never disagree with each other.
 */
export interface Cloud {
  readonly name: CloudName
  /** Entra ID authority host for sign-in. */
  readonly authorityHost: string
  /** DNS suffix of Key Vault vaults: `<vault>.<vaultSuffix>`. */
  readonly vaultSuffix: string
  /** DNS suffix of Managed HSM pools, which ADE cannot use. */
  readonly managedHsmSuffix: string
  /** OAuth scope of Key Vault tokens. */
  readonly vaultScope: string
  /** Azure Resource Manager endpoint and token scope. */
  readonly armEndpoint: string
  readonly armScope: string
}

export const CLOUD_NAMES = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'] as const
export type CloudName = (typeof CLOUD_NAMES)[number]

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  AzureCloud: {
    name: 'AzureCloud',
    authorityHost: 'https://login.microsoftonline.com',
    vaultSuffix: 'vault.azure.net',
    managedHsmSuffix: 'managedhsm.azure.net',
    vaultScope: 'https://vault.azure.net/.default',
    armEndpoint: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default'
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    authorityHost: 'https://login.chinacloudapi.cn',
    vaultSuffix: 'vault.azure.cn',
    managedHsmSuffix: 'managedhsm.azure.cn',
    vaultScope: 'https://vault.azure.cn/.default',
    armEndpoint: 'https://management.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default'
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    authorityHost: 'https://login.microsoftonline.us',
    vaultSuffix: 'vault.usgovcloudapi.net',
    managedHsmSuffix: 'managedhsm.usgovcloudapi.net',
    vaultScope: 'https://vault.usgovcloudapi.net/.default',
    armEndpoint: 'https://management.usgovcloudapi.net',
    armScope: 'https://management.usgovcloudapi.net/.default'
  }
}

/** Finds the cloud by name, ignoring case (`azurecloud` is how azure/login spells it). */
export function findCloud(name: string): Cloud | undefined {
  const match = CLOUD_NAMES.find((n) => n.toLowerCase() === name.toLowerCase())
  return match && CLOUDS[match]
}

/** The cloud whose vault or Managed HSM suffix ends `host`, to explain a host given for the wrong cloud. */
export function cloudOfHost(host: string): { cloud: Cloud; managedHsm: boolean } | undefined {
  for (const cloud of Object.values(CLOUDS)) {
    if (host.endsWith(`.${cloud.vaultSuffix}`)) return { cloud, managedHsm: false }
    if (host.endsWith(`.${cloud.managedHsmSuffix}`)) return { cloud, managedHsm: true }
  }
  return undefined
}
