/**
 * Verify before storing: the vault unwraps the backup's wrapped BEK with the restored KEK
 * version, and the plaintext must be what ADE hands the OS: on Windows a BitLocker startup-key
 * file whose GUID is the DiskEncryptionKeyFileName tag's, on Linux a non-empty passphrase. When
 * the given algorithm does not unwrap it, the other OAEP one is tried (RSA1_5 only when named:
 * its padding check passes on random bytes about once in 400), and the step fails naming the
 * one that works: it never stores a tag the user did not ask for. The plaintext lives only in
 * Buffers, zeroed.
 */
import { ActionableError } from '../../runner/actionable-error.ts'
import { untrusted } from '../../runner/untrusted.ts'
import { BekFormatError, parseBekFile } from '../../ade/bek-file.ts'
import { decodeBase64Url, decodeJsonBase64UrlField, keyOperationBody } from '../../ade/key-bytes.ts'
import type { OsType } from '../../ade/os-type.ts'
import type { WrapAlgorithm } from '../../ade/wrap-algorithms.ts'
import { type VaultClient, VaultError } from '../../keyvault/client.ts'

const OAEP: readonly WrapAlgorithm[] = ['RSA-OAEP', 'RSA-OAEP-256']

export interface Expected {
  readonly osType: OsType
  /** The DiskEncryptionKeyFileName tag the secret gets. */
  readonly fileName: string
}

/** Throws unless `wrapped` unwraps with `algorithm` under `kekUrl` to a key ADE can use. */
export async function verifyBeforeStoring(
  vault: VaultClient,
  kekUrl: string,
  wrapped: string,
  algorithm: WrapAlgorithm,
  expected: Expected
): Promise<void> {
  const why = await tryUnwrap(vault, kekUrl, wrapped, algorithm, expected)
  if (why === undefined) return
  for (const other of OAEP.filter((a) => a !== algorithm)) {
    if ((await tryUnwrap(vault, kekUrl, wrapped, other, expected)) === undefined) {
      throw new ActionableError(
        `Verification failed: the backup's wrapped BEK does not unwrap with algorithm ${algorithm} (${why}), but it does with ${other}. ` +
          `Nothing was stored: re-run with algorithm: ${other} (the DiskEncryptionKeyEncryptionAlgorithm tag ADE reads).`
      )
    }
  }
  throw new ActionableError(
    `Verification failed: the backup's wrapped BEK does not unwrap with ${kekUrl} and algorithm ${algorithm} (${why}), nor with the other OAEP algorithm. ` +
      'Nothing was stored. Check that the recovery point or config file is the one of this disk, and that the KEK backup is the one its BEK was wrapped with.'
  )
}

/** Undefined when it unwraps to a usable key; otherwise why not. Other failures (a 403) are thrown. */
async function tryUnwrap(
  vault: VaultClient,
  kekUrl: string,
  wrapped: string,
  algorithm: WrapAlgorithm,
  expected: Expected
): Promise<string | undefined> {
  const ciphertext = decodeBase64Url(Buffer.from(wrapped))
  const body = keyOperationBody(algorithm, ciphertext)
  let answer: Buffer | undefined
  let plaintext: Buffer | undefined
  try {
    try {
      answer = await vault.bytes({ operation: 'unwrapKey', method: 'POST', url: `${kekUrl}/unwrapkey`, body })
    } catch (error) {
      if (error instanceof VaultError && error.status === 400) return `the vault said: ${untrusted(error.reason, 200)}`
      throw error
    }
    try {
      plaintext = decodeJsonBase64UrlField(answer, 'value')
    } catch (error) {
      return `the vault's answer is unusable: ${(error as Error).message}`
    }
    return judge(plaintext, expected)
  } finally {
    body.fill(0)
    answer?.fill(0)
    plaintext?.fill(0)
  }
}

function judge(plaintext: Buffer, expected: Expected): string | undefined {
  if (plaintext.length === 0) return 'it unwraps to nothing'
  if (expected.osType === 'linux') return undefined
  try {
    const bek = parseBekFile(plaintext)
    if (bek.fileName.toUpperCase() === expected.fileName.toUpperCase()) return undefined
    return `it unwraps to the startup key ${bek.fileName}, not ${untrusted(expected.fileName, 140)}`
  } catch (error) {
    if (error instanceof BekFormatError) return `it unwraps to bytes that are not a BitLocker startup key: ${error.message}`
    throw error
  }
}
