/**
 * ADE's pre-flight checks on the vault resources, each with the setting it is about and the
 * exact fix. Errors are where ADE would fail; warnings where it still works.
 */
import { untrusted } from '../runner/untrusted.ts'
import type { VaultResource } from './vaults.ts'

/** The checks every vault gets, as the summary's table lists them. */
export const CHECK_NAMES = ['disk encryption', 'soft delete', 'purge protection', 'network', 'region', 'permissions'] as const
export type CheckName = (typeof CHECK_NAMES)[number]

export interface Check {
  /** The vault it is about (its name as given). */
  readonly vault: string
  readonly name: CheckName
  readonly level: 'error' | 'warning'
  readonly message: string
}

export interface VaultPair {
  readonly vault: VaultResource
  readonly kekVault: VaultResource
  /** Names as given (validated), for the commands. */
  readonly vaultName: string
  readonly kekVaultName: string
  readonly location?: string
}

/** ARM compares regions ignoring case and spaces: `West Europe` is `westeurope`. */
export function normaliseRegion(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase()
}

export function vaultChecks(pair: VaultPair): Check[] {
  const checks: Check[] = []
  const sameVault = pair.vault.id.toLowerCase() === pair.kekVault.id.toLowerCase()
  const vaults = sameVault
    ? [{ v: pair.vault, name: pair.vaultName, role: 'secret' as const }]
    : [
        { v: pair.vault, name: pair.vaultName, role: 'secret' as const },
        { v: pair.kekVault, name: pair.kekVaultName, role: 'kek' as const }
      ]
  for (const { v, name, role } of vaults) {
    const p = v.properties
    if (p.enabledForDiskEncryption !== true) {
      checks.push({
        vault: name,
        name: 'disk encryption',
        // ADE's platform reads the secret from its vault at boot; a separate KEK vault is reached by its key URL.
        level: role === 'secret' ? 'error' : 'warning',
        message:
          `${name}: enabledForDiskEncryption is off, so ${role === 'secret' ? 'Azure Disk Encryption cannot read the BEK at boot' : 'the KEK vault is not set up for disk encryption'}. ` +
          `Fix: az keyvault update --name ${name} --enabled-for-disk-encryption true`
      })
    }
    if (p.enableSoftDelete === false) {
      checks.push({
        vault: name,
        name: 'soft delete',
        level: 'warning',
        message: `${name}: soft delete is off; a deleted ${role === 'kek' ? 'KEK' : 'BEK'} cannot be recovered and the VMs cannot boot. Fix: az keyvault update --name ${name} --enable-soft-delete true`
      })
    }
    if (p.enablePurgeProtection !== true) {
      checks.push({
        vault: name,
        name: 'purge protection',
        level: 'warning',
        message: `${name}: purge protection is off; a purged ${role === 'kek' ? 'KEK' : 'BEK'} means unbootable VMs. Fix: az keyvault update --name ${name} --enable-purge-protection true`
      })
    }
    checks.push(...networkChecks(v, name))
  }
  const vaultRegion = normaliseRegion(pair.vault.location)
  if (!sameVault && normaliseRegion(pair.kekVault.location) !== vaultRegion) {
    checks.push({
      vault: pair.kekVaultName,
      name: 'region',
      level: 'error',
      message:
        `${pair.kekVaultName} is in ${untrusted(pair.kekVault.location)} but ${pair.vaultName} is in ${untrusted(pair.vault.location)}; ADE needs both vaults in the VMs' region. ` +
        `Fix: use a KEK in a vault in ${untrusted(pair.vault.location)} (az keyvault create --name <vault> --location ${untrusted(pair.vault.location)} --enabled-for-disk-encryption true).`
    })
  }
  if (pair.location !== undefined) {
    for (const { v, name } of vaults) {
      if (normaliseRegion(v.location) !== normaliseRegion(pair.location)) {
        checks.push({
          vault: name,
          name: 'region',
          level: 'error',
          message:
            `${name} is in ${untrusted(v.location)}, not in location ${untrusted(pair.location)}; ADE needs the vault in the VMs' region. ` +
            `Fix: use a vault in ${untrusted(pair.location)} (az keyvault create --name <vault> --location ${untrusted(pair.location)} --enabled-for-disk-encryption true), or correct location.`
        })
      }
    }
  }
  return checks
}

function networkChecks(v: VaultResource, name: string): Check[] {
  const p = v.properties
  const closed = p.publicNetworkAccess?.toLowerCase() === 'disabled' || p.networkAcls?.defaultAction?.toLowerCase() === 'deny'
  if (!closed) return []
  const bypass = (p.networkAcls?.bypass ?? 'None').toLowerCase().split(/\s*,\s*/)
  if (!bypass.includes('azureservices')) {
    return [
      {
        vault: name,
        name: 'network',
        level: 'error',
        message: `${name}: its firewall does not let trusted Microsoft services through (bypass: ${untrusted(p.networkAcls?.bypass ?? 'None')}), so ADE cannot read the keys at boot. Fix: az keyvault update --name ${name} --bypass AzureServices`
      }
    ]
  }
  return [
    {
      vault: name,
      name: 'network',
      level: 'warning',
      message: `${name}: its firewall (publicNetworkAccess ${untrusted(p.publicNetworkAccess ?? '')}, defaultAction ${untrusted(p.networkAcls?.defaultAction ?? '')}) may block this runner. Fix: az keyvault network-rule add --name ${name} --ip-address <runner IP>, or run on a runner in an allowed network.`
    }
  ]
}
