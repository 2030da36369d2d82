/** The main action's outputs: the `secrets` list, and for a single BEK its own fields. */
import * as core from '@actions/core'
import type { Bek } from './bek.ts'
import { type VaultIds, encryptionSettings } from '../../ade/encryption-settings.ts'

export function setOutputs(beks: readonly Bek[], ids: VaultIds | undefined): void {
  core.setOutput(
    'secrets',
    JSON.stringify(
      beks.map((bek) => ({
        name: bek.name,
        'secret-url': bek.url,
        'secret-version': bek.version,
        'kek-url': bek.kekUrl,
        ...(ids ? { 'encryption-settings': encryptionSettings(bek.url, bek.kekUrl, ids) } : {})
      }))
    )
  )
  if (ids) {
    core.setOutput('key-vault-id', ids.vaultId)
    core.setOutput('kek-vault-id', ids.kekVaultId)
  }
  if (beks.length !== 1) return
  const [bek] = beks
  const settings = ids && encryptionSettings(bek.url, bek.kekUrl, ids)
  if (settings) core.setOutput('encryption-settings', settings)
  core.setOutput('secret-url', bek.url)
  core.setOutput('kek-url', bek.kekUrl)
  core.setOutput('secret-name', bek.name)
  core.setOutput('secret-version', bek.version)
}
