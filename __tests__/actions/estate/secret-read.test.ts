/**
 * Reading one secret version as bytes (src/actions/estate/secret-read.ts): the top-level value is
 * cut out of the answer (not a tag that happens to be called value), the answer is zeroed, the
 * value is judged byte by byte, and an answer about another secret is refused.
 */
import { describe, expect, test } from '@jest/globals'
import type { VaultClient } from '../../../src/keyvault/client.ts'
import { readSecretVersion } from '../../../src/actions/estate/secret-read.ts'

const URL = 'https://kv.vault.azure.net/secrets/bek/0123456789abcdef0123456789abcdef'

function vaultAnswering(body: object | string): { vault: VaultClient; answers: Buffer[] } {
  const answers: Buffer[] = []
  const vault = {
    bytes: async () => {
      const answer = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
      answers.push(answer)
      return answer
    }
  } as unknown as VaultClient
  return { vault, answers }
}

describe('readSecretVersion', () => {
  test('the top-level value, not a tag named value; the answer zeroed; the kept value a copy', async () => {
    const { vault, answers } = vaultAnswering(
      `{"tags":{"value":"x y","DiskEncryptionKeyEncryptionKeyURL":"https://kv.vault.azure.net/keys/k/${'a'.repeat(32)}"},"value":"QUJD_-","id":"${URL}","contentType":"Wrapped BEK"}`
    )
    const read = await readSecretVersion(vault, URL, true)
    expect(read.state).toBe('ok')
    expect(read.kekTag).toBe(`https://kv.vault.azure.net/keys/k/${'a'.repeat(32)}`)
    expect(read.wrapped?.toString()).toBe('QUJD_-')
    expect(answers[0]!.every((byte) => byte === 0)).toBe(true)
  })

  test.each([
    ['a wrapped BEK whose value is not base64url', { value: 'QUJD+/==', contentType: 'Wrapped BEK' }, 'not-a-wrapped-bek'],
    ['another content type', { value: 'QUJD', contentType: 'application/x-pem-file' }, 'not-a-wrapped-bek'],
    ['a BEK without a KEK (Windows), standard base64', { value: 'QUJD+/==', contentType: 'BEK' }, 'ok'],
    ['the legacy Linux dual-pass secret: no content type, no KEK tag', { value: 'QUJD' }, 'ok'],
    ['no content type but a KEK tag', { value: 'QUJD', tags: { DiskEncryptionKeyEncryptionKeyURL: 'x' } }, 'not-a-wrapped-bek'],
    [
      'an algorithm ADE does not know',
      { value: 'QUJD', contentType: 'Wrapped BEK', tags: { DiskEncryptionKeyEncryptionAlgorithm: 'A256KW' } },
      'not-a-wrapped-bek'
    ]
  ])('%s', async (_, body, state) => {
    const { vault } = vaultAnswering({ ...body, id: URL })
    expect((await readSecretVersion(vault, URL, false)).state).toBe(state)
  })

  test('an answer about another secret is refused', async () => {
    const { vault } = vaultAnswering({ value: 'QUJD', contentType: 'Wrapped BEK', id: URL.replace('/bek/', '/other/') })
    await expect(readSecretVersion(vault, URL, false)).rejects.toThrow(/refusing to use it/)
  })
})
