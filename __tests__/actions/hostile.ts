/**
 * What every hostile-answer scenario asserts about a run of the bundle: no workflow command
 * but the action's own, outputs that name only the input vault and secret, and anything
 * stored is one RSA block that the KEK's private key (outside the vault) decrypts to a key.
 */
import { expect } from '@jest/globals'
import type { RunActionResult } from '../../emulator/runner.ts'
import { KEK, VAULT, type World } from './world.ts'

/** The commands the action itself writes; any other line starting with `::` was injected. */
const OWN_COMMANDS = /^::(?:add-mask|debug|error|warning|notice|group|endgroup)::/

/** Lines a hostile value would have made commands of, had it reached stdout raw. */
const INJECTED = /^(?:::(?:error file=|warning::CR|notice::pct)|::(?!(?:add-mask|debug|error|warning|notice|group|endgroup)::))/

/** Lines that start with `::` and are not the action's own commands, or carry an injected one. */
export function injectedCommands(result: RunActionResult): string[] {
  return result.stdout.split('\n').filter((line) => (line.startsWith('::') && !OWN_COMMANDS.test(line)) || INJECTED.test(line))
}

export interface Expected {
  readonly exitCode: 0 | 1
  /** The secret the run was asked for. */
  readonly name: string
  /** Versions of it stored before the run (seeded), not checked again. */
  readonly before?: number
  /** Bytes of the key each stored value must decrypt to. */
  readonly keyBytes?: number
  /** The KEK a reused secret names, when it is not the input one (if-exists: reuse warns). */
  readonly kekUrl?: string
}

/**
 * The checks every hostile-answer scenario makes: the exit code, no injected command, no raw
 * carriage return, no markup in the summary, outputs naming only the input vault and secret,
 * and each version stored by the run decrypted independently with the KEK's private key.
 */
export function expectSafe(world: World, result: RunActionResult, expected: Expected): void {
  expect({ exitCode: result.exitCode, injected: injectedCommands(result) }).toEqual({ exitCode: expected.exitCode, injected: [] })
  expect(result.stdout).not.toContain('\r')
  expect(result.summary).not.toContain('<h1>')
  expect(result.summary).not.toContain('</code></pre><h1>')
  expectOutputsNameOnly(result, expected.name, expected.kekUrl)
  const stored = world.versions(expected.name).slice(expected.before ?? 0)
  for (const version of stored) {
    const algorithm = version.tags?.['DiskEncryptionKeyEncryptionAlgorithm'] ?? 'RSA-OAEP'
    expect(version.tags?.['DiskEncryptionKeyEncryptionKeyURL']).toMatch(kekUrlPattern())
    expect(world.unwrapLocally(version.value, algorithm)).toHaveLength(expected.keyBytes ?? 32)
  }
}

const hex32 = '[0-9a-f]{32}'
const secretUrlPattern = (name: string): RegExp => new RegExp(`^https://${VAULT}\\.vault\\.azure\\.net/secrets/${name}/${hex32}$`)
const kekUrlPattern = (): RegExp => new RegExp(`^https://${VAULT}\\.vault\\.azure\\.net/keys/${KEK}/${hex32}$`)

/** Each output that is set names the input vault and secret (and the input KEK), and nothing else. */
export function expectOutputsNameOnly(result: RunActionResult, name: string, kekUrl?: string): void {
  const { outputs } = result
  const kek = kekUrl === undefined ? expect.stringMatching(kekUrlPattern()) : kekUrl
  if (outputs['secret-url'] !== undefined) expect(outputs['secret-url']).toMatch(secretUrlPattern(name))
  if (outputs['kek-url'] !== undefined) expect(outputs['kek-url']).toEqual(kek)
  if (outputs['secret-name'] !== undefined) expect(outputs['secret-name']).toBe(name)
  if (outputs['secret-version'] !== undefined) expect(outputs['secret-version']).toMatch(new RegExp(`^${hex32}$`))
  for (const entry of JSON.parse(outputs['secrets'] ?? '[]') as Array<Record<string, string>>) {
    expect(entry).toEqual({
      name,
      'secret-url': expect.stringMatching(secretUrlPattern(name)),
      'secret-version': expect.stringMatching(new RegExp(`^${hex32}$`)),
      'kek-url': kek
    })
  }
  expect(JSON.stringify(outputs)).not.toContain('evil')
}

/** Seeds `name` in the world's vault with `body`, as any vault client could: the hostile secret a scenario reuses. */
export async function putSecret(world: World, name: string, body: Record<string, unknown>): Promise<void> {
  const token = world.azure.entra.issueAccessToken(world.clientId, 'https://vault.azure.net')
  const { proxyClient } = await import('../../emulator/http-client.ts')
  const http = proxyClient(world.azure.proxyUrl, world.azure.caPath)
  try {
    const put = await http.request('PUT', `https://${VAULT}.vault.azure.net/secrets/${name}?api-version=7.5`, {
      headers: { authorization: `Bearer ${token}` },
      body
    })
    expect(put.status).toBe(200)
  } finally {
    http.close()
  }
}
