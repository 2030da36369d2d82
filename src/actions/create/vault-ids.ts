/**
 * The vault IDs each BEK's encryption settings need. A BEK this run wrapped uses the run's KEK
 * vault; one kept with if-exists: reuse names its own KEK in its tag, which may be in another
 * vault: each such vault is looked up once, all at once, and only then.
 */
import type { ArmResult } from '../../arm/index.ts'
import type { Bek } from './bek.ts'
import { type VaultIds, vaultNameOf } from '../../ade/encryption-settings.ts'
import type { Settings } from './inputs.ts'
import { untrusted } from '../../runner/untrusted.ts'

export async function bekVaultIds(
  beks: readonly Bek[],
  arm: ArmResult,
  settings: Settings,
  warn: (message: string) => void
): Promise<VaultIds> {
  const byVault = new Map([
    [settings.vault.name.toLowerCase(), arm.vaultId],
    [settings.kek.vault.name.toLowerCase(), arm.kekVaultId]
  ])
  const others = [...new Set(beks.map((bek) => vaultNameOf(bek.kekUrl)).filter((name) => !byVault.has(name)))]
  if (others.length > 0) {
    const reused = beks.filter((bek) => others.includes(vaultNameOf(bek.kekUrl))).map((bek) => untrusted(bek.name))
    warn(
      `The reused ${reused.length === 1 ? 'BEK' : 'BEKs'} ${reused.join(', ')} ${reused.length === 1 ? 'is' : 'are'} wrapped with a KEK in ` +
        `${others.map((name) => untrusted(name)).join(', ')}, not in ${untrusted(settings.kek.vault.name)}: kek-vault-id is this run's KEK vault; ` +
        "each BEK's encryption-settings (in secrets) names its own. Run with if-exists: new-version to wrap them with the requested KEK."
    )
    await Promise.all(
      others.map(async (name) => {
        try {
          byVault.set(name, await arm.vaultIdOf(name))
        } catch (error) {
          warn(
            `No resource ID for the KEK vault ${untrusted(name)} (${untrusted(error instanceof Error ? error.message : String(error), 300)}); ` +
              'the BEKs wrapped with a KEK there have no encryption-settings.'
          )
        }
      })
    )
  }
  return { vaultId: arm.vaultId, kekVaultId: arm.kekVaultId, byVault }
}
