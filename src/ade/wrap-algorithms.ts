/** The RSA key-wrap algorithms ADE accepts, and how much plaintext each can wrap. */
export const WRAP_ALGORITHMS = ['RSA-OAEP', 'RSA-OAEP-256', 'RSA1_5'] as const
export type WrapAlgorithm = (typeof WRAP_ALGORITHMS)[number]

/** Bytes of padding each algorithm adds: OAEP 2·hLen+2 (SHA-1, SHA-256), PKCS#1 v1.5 11. */
const PADDING_BYTES: Readonly<Record<WrapAlgorithm, number>> = {
  'RSA-OAEP': 2 * 20 + 2,
  'RSA-OAEP-256': 2 * 32 + 2,
  RSA1_5: 11
}

/** The largest plaintext `algorithm` can wrap under an RSA key of `keyBits`. */
export function maxPlaintextBytes(algorithm: WrapAlgorithm, keyBits: number): number {
  return keyBits / 8 - PADDING_BYTES[algorithm]
}
