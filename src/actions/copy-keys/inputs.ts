/**
 * copy-keys' inputs: the sources (secret-url lines), the target vault and KEK, the target
 * names, and what to do with a name that exists. Every bad input is refused here, naming it,
 * before any request: a source not on a vault host of the cloud, two sources mapped to one
 * target name, a secret-name count that does not match.
 */
import { type RunSettings, getRunSettings, parseCloud } from '../../runner/run-settings.ts'
import { type KekRef, type SecretRef, type VaultRef, parseKek, parseNameLines, parseSecretUrl, parseVault } from '../../keyvault/refs.ts'
import { InputError, actionInput, inputLines, parseBoolean, parseChoice } from '../../runner/inputs.ts'
import { runProvenance } from '../../ade/provenance.ts'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { type ArmSettings, parseArm, parseLocation } from '../../arm/subscription.ts'

export const IF_EXISTS = ['fail', 'sync'] as const
export type IfExists = (typeof IF_EXISTS)[number]

/** One source and where it goes. */
export interface CopyItem {
  /** The secret-url line as given (trimmed). */
  readonly sourceUrl: string
  readonly source: SecretRef
  readonly targetName: string
}

export interface CopySettings extends RunSettings {
  readonly items: readonly CopyItem[]
  readonly targetVault: VaultRef
  readonly kek: KekRef
  /** Create kek (a name in the target vault) when it does not exist. */
  readonly createKek: boolean
  readonly ifExists: IfExists
  /** Undefined: each secret's own. */
  readonly algorithm?: WrapAlgorithm
  readonly arm?: ArmSettings
  readonly location?: string
  readonly dryRun: boolean
  /** Value of the CreatedBy tag of each stored version; undefined outside a runner. */
  readonly createdBy?: string
  readonly createdByWarning?: string
}

export function getCopySettings(input: (name: string) => string = actionInput): CopySettings {
  const cloud = parseCloud(input('environment'))
  const run = getRunSettings(input, cloud)
  const lines = inputLines(input('secret-url'))
  if (lines.length === 0)
    throw new InputError(
      'secret-url',
      'is required: one BEK secret URL a line (https://<vault>.vault.azure.net/secrets/<name>[/<version>])'
    )
  const sources = lines.map((line) => parseSecretUrl(line, cloud))
  const targetVault = parseVault('target-key-vault', input('target-key-vault'), cloud)
  const names = parseNameLines(input('secret-name'))
  if (names.length > 0 && names.length !== sources.length) {
    throw new InputError(
      'secret-name',
      `has ${names.length} line(s), but secret-url has ${sources.length}: give one target name per source, in the same order, or none to keep the source names`
    )
  }
  const items = sources.map((source, i) => ({ sourceUrl: lines[i]!, source, targetName: names[i] ?? source.name }))
  const seen = new Map<string, CopyItem>()
  for (const item of items) {
    const first = seen.get(item.targetName.toLowerCase())
    if (first) {
      throw new InputError(
        names.length > 0 ? 'secret-name' : 'secret-url',
        `'${first.sourceUrl}' and '${item.sourceUrl}' would both be stored as '${item.targetName}' in ${targetVault.name}: give each source its own target name in secret-name`
      )
    }
    seen.set(item.targetName.toLowerCase(), item)
  }
  const createKek = parseBoolean('create-kek', input('create-kek'))
  if (createKek && input('target-kek-url').trim()) {
    throw new InputError('create-kek', 'creates target-kek-name in target-key-vault; it cannot be given with target-kek-url')
  }
  if (createKek && input('target-kek-version').trim()) {
    throw new InputError('create-kek', 'creates a new key: give target-kek-name without target-kek-version')
  }
  const kek = parseKekInput(input, targetVault, cloud)
  const algorithm = input('algorithm').trim()
  const { createdBy, warning } = runProvenance()
  return {
    ...run,
    items,
    targetVault,
    kek,
    createKek,
    ifExists: parseChoice('if-exists', input('if-exists'), IF_EXISTS, 'fail'),
    algorithm: algorithm ? parseChoice('algorithm', algorithm, WRAP_ALGORITHMS, 'RSA-OAEP') : undefined,
    arm: parseArm(input('subscription-id'), input('target-key-vault')),
    location: parseLocation(input('location')),
    dryRun: parseBoolean('dry-run', input('dry-run')),
    createdBy,
    createdByWarning: warning
  }
}

/** target-kek-name (+ target-kek-version) in the target vault, or target-kek-url anywhere in the cloud; errors name these inputs. */
function parseKekInput(input: (name: string) => string, vault: VaultRef, cloud: ReturnType<typeof parseCloud>): KekRef {
  try {
    return parseKek(input('target-kek-name'), input('target-kek-version'), input('target-kek-url'), vault, cloud)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    const problem = error.message.slice(`Input '${error.input}': `.length).replace(/\bkek-(name|version|url)\b/g, 'target-kek-$1')
    throw new InputError(`target-${error.input}`, problem)
  }
}
