/** The rewrap's inputs: the common ones, the target KEK as the root action takes it, and the selection. */
import { type CommonSettings, getCommonSettings } from '../../runner/common-settings.ts'
import { type KekRef, type VaultRef, parseKek, parseKekUrl, parseNameLines, parseVault } from '../../keyvault/refs.ts'
import { actionInput, inputLines, parseBoolean, parseChoice } from '../../runner/inputs.ts'
import { runProvenance } from '../../ade/provenance.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { type ReportFile, parseReportFile } from '../../runner/report-file.ts'

export interface RewrapSettings extends CommonSettings {
  readonly kek: KekRef
  /** Undefined: keep each secret's own algorithm. */
  readonly algorithm?: WrapAlgorithm
  /** Empty: every wrapped BEK in the vault not yet on the target. */
  readonly secretNames: readonly string[]
  /** Only BEKs on this key (any version when it has none). */
  readonly fromKek?: KekRef
  /** Vaults, besides key-vault and the target KEK's, whose keys may unwrap an old BEK: the only others sent a token. */
  readonly kekVaults: readonly VaultRef[]
  readonly dryRun: boolean
  /** Value of the CreatedBy tag of each new version; undefined with provenance: false or outside a runner. */
  readonly createdBy?: string
  /** Why there is no CreatedBy tag although provenance is on; warned about once the step runs. */
  readonly createdByWarning?: string
  /** Where every selected secret's outcome goes (always written when given). */
  readonly reportFile?: ReportFile
}

export function getRewrapSettings(input: (name: string) => string = actionInput): RewrapSettings {
  const common = getCommonSettings(input)
  const provenance = parseChoice('provenance', input('provenance'), ['true', 'false'] as const, 'true') === 'true'
  const algorithm = input('algorithm').trim()
  const fromKek = input('from-kek').trim()
  return {
    ...common,
    kek: parseKek(input('kek-name'), input('kek-version'), input('kek-url'), common.vault, common.cloud),
    algorithm: algorithm ? parseChoice('algorithm', algorithm, WRAP_ALGORITHMS, 'RSA-OAEP') : undefined,
    secretNames: parseNameLines(input('secret-name')),
    fromKek: fromKek ? parseKekUrl(fromKek, common.cloud, 'from-kek') : undefined,
    kekVaults: inputLines(input('kek-vaults')).map((line) => parseVault('kek-vaults', line, common.cloud)),
    dryRun: parseBoolean('dry-run', input('dry-run')),
    reportFile: parseReportFile(input('report-file')),
    ...(provenance ? provenanceOf(runProvenance()) : {})
  }
}

const provenanceOf = ({ createdBy, warning }: { createdBy?: string; warning?: string }) => ({ createdBy, createdByWarning: warning })
