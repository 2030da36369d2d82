/**
 * The tags that make a Key Vault secret a KEK-wrapped BEK for Azure Disk Encryption: ADE and
 * the tools around it (Backup, Site Recovery, the recovery scripts) read them back.
 */
import type { OsType } from './os-type.ts'
import type { WrapAlgorithm } from './wrap-algorithms.ts'

export const CONTENT_TYPE = 'Wrapped BEK'
export const TAG_ALGORITHM = 'DiskEncryptionKeyEncryptionAlgorithm'
export const TAG_FILE_NAME = 'DiskEncryptionKeyFileName'
export const TAG_KEK_URL = 'DiskEncryptionKeyEncryptionKeyURL'
export const ADE_TAG_NAMES = [TAG_ALGORITHM, TAG_FILE_NAME, TAG_KEK_URL] as const
/** Names the workflow run that made the secret (input `provenance`). */
export const TAG_CREATED_BY = 'CreatedBy'
/** Key Vault's limit of tags per secret. */
export const MAX_TAGS = 15
/** The file name ADE's Linux extension always gives the key on the BEK volume. */
export const LINUX_KEY_FILE_NAME = 'LinuxPassPhraseFileName'

export interface TagInput {
  readonly osType: OsType
  readonly secretName: string
  /** From a BitLocker startup-key file: the name BitLocker looks for. */
  readonly bekFileName?: string
  readonly algorithm: WrapAlgorithm
  readonly kekUrl: string
  readonly extra: ReadonlyArray<readonly [string, string]>
  /** The run that made the secret, for the CreatedBy tag; none when provenance is off or unknown. */
  readonly createdBy?: string
}

/** The secret's tags: the three ADE tags first, then the user's, then CreatedBy. */
export function buildTags(input: TagInput): Record<string, string> {
  const fileName = input.osType === 'linux' ? LINUX_KEY_FILE_NAME : (input.bekFileName ?? `${input.secretName}.BEK`)
  return {
    [TAG_FILE_NAME]: fileName,
    [TAG_ALGORITHM]: input.algorithm,
    [TAG_KEK_URL]: input.kekUrl,
    ...Object.fromEntries(input.extra),
    ...(input.createdBy ? { [TAG_CREATED_BY]: input.createdBy } : {})
  }
}
