/**
 * copy-keys' outputs and job summary. Everything shown comes from the vaults: escaped for the
 * summary. The outputs are cut to GitHub's limit for one output, with a warning.
 */
import * as core from '@actions/core'
import { untrustedHtml } from '../../runner/untrusted.ts'
import { cutListWarning, jsonArrayWithin } from '../../runner/output-size.ts'
import { encryptionSettings } from '../../ade/encryption-settings.ts'
import type { ArmResult } from '../../arm/index.ts'
import { type VaultIdPair, replicationSnippets } from './snippets.ts'

export interface Copied {
  readonly sourceSecretUrl: string
  readonly secretUrl: string
  readonly state: 'stored' | 'unchanged'
  readonly kekUrl: string
  /** With subscription-id. */
  readonly ids?: VaultIdPair
}

export interface Skipped {
  readonly 'source-secret-url': string
  readonly reason: string
}

export const armIds = (arm: Pick<ArmResult, 'vaultId' | 'kekVaultId'>): VaultIdPair => ({
  vaultId: arm.vaultId,
  kekVaultId: arm.kekVaultId
})

/** Site Recovery's A2A diskEncryptionInfo for one disk. */
export function diskEncryptionInfo(copy: Copied, ids: VaultIdPair): Record<string, unknown> {
  return {
    diskEncryptionKeyInfo: { secretIdentifier: copy.secretUrl, keyVaultResourceArmId: ids.vaultId },
    keyEncryptionKeyInfo: { keyIdentifier: copy.kekUrl, keyVaultResourceArmId: ids.kekVaultId }
  }
}

const OUTPUT_LIMIT = "1,000,000 bytes (GitHub's limit for one output)"

export function setOutputs(copied: readonly Copied[], skipped: readonly Skipped[]): void {
  const entries = copied.map((copy) => ({
    'source-secret-url': copy.sourceSecretUrl,
    'secret-url': copy.secretUrl,
    state: copy.state,
    'kek-url': copy.kekUrl,
    ...(copy.ids
      ? {
          'key-vault-id': copy.ids.vaultId,
          'kek-vault-id': copy.ids.kekVaultId,
          'encryption-settings': encryptionSettings(copy.secretUrl, copy.kekUrl, copy.ids),
          'disk-encryption-info': diskEncryptionInfo(copy, copy.ids)
        }
      : {})
  }))
  core.setOutput('copied', within('copied', entries))
  core.setOutput('skipped', within('skipped', skipped))
}

function within(output: string, items: readonly unknown[]): string {
  const out = jsonArrayWithin(items)
  if (out.count < items.length) core.warning(cutListWarning(`The ${output} output`, out.count, items.length, OUTPUT_LIMIT, undefined))
  return out.json
}

/** The summary: each copy, source and target, with the snippets that enable replication with its keys; then the skipped. */
export async function writeCopySummary(copied: readonly Copied[], skipped: readonly Skipped[], dryRun: boolean): Promise<void> {
  const summary = core.summary.addHeading(
    `copy-keys: ${copied.length} in place, ${skipped.length} not copied${dryRun ? ' (dry run)' : ''}`,
    2
  )
  if (copied.length > 0) {
    summary.addTable([
      [
        { data: 'Source', header: true },
        { data: 'Target', header: true },
        { data: 'State', header: true },
        { data: 'KEK', header: true }
      ],
      ...copied.map((c) => [untrustedHtml(c.sourceSecretUrl), untrustedHtml(c.secretUrl), c.state, untrustedHtml(c.kekUrl)])
    ])
    for (const copy of copied) {
      if (!copy.ids) continue
      const snippets = replicationSnippets(copy, copy.ids, diskEncryptionInfo(copy, copy.ids))
      summary.addDetails(
        `Enable replication with ${untrustedHtml(copy.secretUrl)}`,
        snippets.map(({ language, code }) => `<p>${language}</p><pre><code>${untrustedHtml(code, 8000)}</code></pre>`).join('')
      )
    }
  }
  if (skipped.length > 0) {
    summary.addHeading('Not copied', 3)
    summary.addTable([
      [
        { data: 'Source', header: true },
        { data: 'Why', header: true }
      ],
      ...skipped.map((s) => [untrustedHtml(s['source-secret-url']), untrustedHtml(s.reason)])
    ])
  }
  await summary.write()
}
