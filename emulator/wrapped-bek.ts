/**
 * A BEK as ADE stores it, written straight into the Key Vault stand-in (no action, no request):
 * the key wrapped with the KEK's public key (RSA-OAEP, SHA-1), content type `Wrapped BEK` and the
 * Linux tags. For seeding the demos, benches and the CI job's world.
 */
import { constants, createPrivateKey, createPublicKey, publicEncrypt } from 'node:crypto'
import type { KeyVaultAdmin } from './keyvault/admin.ts'

export interface Kek {
  readonly kid: string
  readonly privateKeyPem: string
}

/** `tagKid`: the KEK URL tag, when it should name another version than the one that wrapped it. */
export function storeWrappedBek(
  kv: KeyVaultAdmin,
  vault: string,
  name: string,
  kek: Kek,
  key: Buffer,
  tagKid = kek.kid
): { id: string; version: string } {
  const publicKey = createPublicKey(createPrivateKey(kek.privateKeyPem))
  const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key)
  return kv.setSecret(vault, name, {
    value: wrapped.toString('base64url'),
    contentType: 'Wrapped BEK',
    tags: {
      DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
      DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
      DiskEncryptionKeyEncryptionKeyURL: tagKid
    }
  })
}
