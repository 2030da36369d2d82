/**
 * A vault host that does not resolve is a vault that does not exist (or a typo), not a
 * network hiccup: the SDK's retry policy would spend seconds retrying ENOTFOUND, so this
 * policy, placed under it, turns the error into one that says which input to fix and that the
 * retry policy passes straight through (it retries only RestErrors).
 */
import { type PipelinePolicy, isRestError } from '@azure/core-rest-pipeline'
import { ActionableError } from '../runner/actionable-error.ts'
import type { Cloud } from '../net/clouds.ts'
import { untrusted } from '../runner/untrusted.ts'

export class VaultNotFoundError extends ActionableError {}

/**
 * `vaultUrl`: the key-vault input's URL; any other vault came from kek-url. Empty for an action
 * without key-vault (the estate), whose vaults come from the disks' settings.
 */
export function vaultNotFoundPolicy(cloud: Cloud, vaultUrl: string): PipelinePolicy {
  const inputHost = vaultUrl ? new URL(vaultUrl).hostname : undefined
  return {
    name: 'vaultNotFound',
    async sendRequest(request, next) {
      try {
        return await next(request)
      } catch (error) {
        if (!isRestError(error) || error.code !== 'ENOTFOUND') throw error
        const host = new URL(request.url).hostname
        const input = inputHost === undefined ? undefined : host === inputHost ? 'key-vault' : 'kek-url'
        const name = host.endsWith(`.${cloud.vaultSuffix}`) ? host.slice(0, -cloud.vaultSuffix.length - 1) : host
        throw new VaultNotFoundError(
          `${input ? `Input '${input}': vault` : 'The vault'} '${untrusted(name)}' was not found in ${cloud.name} (${untrusted(host)} does not resolve). ` +
            `Check the name (az keyvault list --query "[].name"), or set environment if the vault is in another cloud.`
        )
      }
    }
  }
}
