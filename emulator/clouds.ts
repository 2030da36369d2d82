// The three public/sovereign clouds the stand-ins model: host suffixes, authorities, audiences.
export type CloudName = 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment'

export interface Cloud {
  name: CloudName
  vaultSuffix: string
  vaultResource: string
  authorityHost: string
  /** Access-token issuer host (China has its own STS). */
  stsHost: string
  /** Azure Resource Manager host and the audience of its tokens. */
  armHost: string
  armResource: string
}

export const CLOUDS: Record<CloudName, Cloud> = {
  AzureCloud: {
    name: 'AzureCloud',
    vaultSuffix: 'vault.azure.net',
    vaultResource: 'https://vault.azure.net',
    authorityHost: 'login.microsoftonline.com',
    stsHost: 'sts.windows.net',
    armHost: 'management.azure.com',
    armResource: 'https://management.core.windows.net/'
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    vaultSuffix: 'vault.azure.cn',
    vaultResource: 'https://vault.azure.cn',
    authorityHost: 'login.chinacloudapi.cn',
    stsHost: 'sts.chinacloudapi.cn',
    armHost: 'management.chinacloudapi.cn',
    armResource: 'https://management.chinacloudapi.cn/'
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    vaultSuffix: 'vault.usgovcloudapi.net',
    vaultResource: 'https://vault.usgovcloudapi.net',
    authorityHost: 'login.microsoftonline.us',
    stsHost: 'sts.windows.net',
    armHost: 'management.usgovcloudapi.net',
    armResource: 'https://management.usgovcloudapi.net/'
  }
}

export const AUTHORITY_HOSTS = Object.values(CLOUDS).map((c) => c.authorityHost)

export function cloudByAuthorityHost(host: string): Cloud | undefined {
  return Object.values(CLOUDS).find((c) => c.authorityHost === host)
}

export function issuerFor(cloud: Cloud, tenantId: string): string {
  return `https://${cloud.stsHost}/${tenantId}/`
}

export const MANAGEMENT_RESOURCE = 'https://management.core.windows.net/'
