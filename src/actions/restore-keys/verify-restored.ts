/**
 * Without a KEK, the secret is restored from its own backup, then read back: it must be a BEK
 * (content type BEK) whose value is what ADE hands the OS. The value is decoded into a Buffer,
 * never a string, and zeroed.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { BekFormatError, parseBekFile } from '../../ade/bek-file.ts'
import { decodeJsonBase64UrlField } from '../../ade/key-bytes.ts'
import type { OsType } from '../../ade/os-type.ts'
import type { VaultClient } from '../../keyvault/client.ts'

const BEK_CONTENT_TYPE = 'BEK'

export async function verifyRestoredSecret(vault: VaultClient, secretUrl: string, osType: OsType, fileName: string): Promise<void> {
  const answer = await vault.bytes({ operation: 'getSecret', method: 'GET', url: secretUrl })
  let key: Buffer | undefined
  try {
    const contentType = /"contentType"\s*:\s*"([^"]*)"/.exec(answer.toString('latin1').replace(/"value"\s*:\s*"[^"]*"/, ''))?.[1]
    if (contentType !== BEK_CONTENT_TYPE) {
      throw new ActionableError(
        `Verification failed: the restored secret ${secretUrl} has content type '${untrusted(contentType ?? '(none)', 100)}', not '${BEK_CONTENT_TYPE}': it is not a BEK ADE stored without a KEK.`
      )
    }
    try {
      key = decodeJsonBase64UrlField(answer, 'value')
    } catch (error) {
      throw new ActionableError(`Verification failed: the restored secret ${secretUrl} holds no base64 key (${(error as Error).message}).`)
    }
    if (key.length === 0) throw new ActionableError(`Verification failed: the restored secret ${secretUrl} is empty.`)
    if (osType === 'windows') {
      try {
        const bek = parseBekFile(key)
        if (bek.fileName.toUpperCase() !== fileName.toUpperCase()) {
          throw new ActionableError(
            `Verification failed: the restored secret ${secretUrl} is the startup key ${bek.fileName}, not ${untrusted(fileName, 140)}.`
          )
        }
      } catch (error) {
        if (!(error instanceof BekFormatError)) throw error
        throw new ActionableError(`Verification failed: the restored secret ${secretUrl} is not a BitLocker startup key: ${error.message}.`)
      }
    }
  } finally {
    answer.fill(0)
    key?.fill(0)
  }
}
