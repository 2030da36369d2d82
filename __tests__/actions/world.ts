/**
 * An Azure for end-to-end tests: the local stand-ins with one vault (`bek-e2e`, RBAC), an
 * RSA-3072 KEK (`disk-kek`), an app whose federated credential trusts this repository's main
 * branch, and the two roles the action needs. `run()` runs the bundled action the way the
 * GitHub runner does.
 */
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto'
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import { startLocalAzure, type LocalAzure, type LocalAzureOptions } from '../../emulator/index.ts'
import { provisionBekVault } from '../../emulator/provision.ts'
import { runAction, type RunActionOptions, type RunActionResult } from '../../emulator/runner.ts'

export const VAULT = 'bek-e2e'
export const KEK = 'disk-kek'
export const SUBJECT = 'repo:contoso/infra:ref:refs/heads/main'

export interface World {
  readonly azure: LocalAzure
  readonly clientId: string
  readonly objectId: string
  readonly tenantId: string
  readonly kekVersion: string
  /** Inputs for a run that should succeed. */
  readonly inputs: Record<string, string>
  run(
    inputs?: Record<string, string>,
    options?: Pick<RunActionOptions, 'debug' | 'env' | 'entry' | 'jobDir' | 'state' | 'measureMemory'>
  ): Promise<RunActionResult>
  /** Versions of a secret as the vault stores them (latest last). */
  versions(
    name: string,
    vault?: string
  ): Array<{ value: string; contentType?: string; tags?: Record<string, string>; id: string; attributes: { enabled: boolean } }>
  /** RSA-decrypts a wrapped value with the KEK's private key, independently of the vault. */
  unwrapLocally(value: string, algorithm: string, vault?: string, key?: string): Buffer
  close(): Promise<void>
}

export async function createWorld(options: LocalAzureOptions = {}): Promise<World> {
  const azure = await startLocalAzure(options)
  const provisioned = await provisionBekVault(azure, { vault: VAULT, kek: KEK, subject: SUBJECT })
  const { inputs } = provisioned
  return {
    azure,
    clientId: provisioned.clientId,
    objectId: provisioned.objectId,
    tenantId: provisioned.tenantId,
    kekVersion: provisioned.kekVersion,
    inputs,
    run: (extra = {}, options = {}) => runAction({ localAzure: azure, inputs: { ...inputs, ...extra }, ...options, timeoutMs: 60_000 }),
    versions: (name, vault = VAULT) => azure.keyVault.getSecretVersions(vault, name) as ReturnType<World['versions']>,
    unwrapLocally: (value, algorithm, vault = VAULT, key = KEK) => {
      const pem = azure.keyVault.getKey(vault, key)?.privateKeyPem
      if (!pem) throw new Error(`no key ${vault}/${key}`)
      const padding = algorithm === 'RSA1_5' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING
      const oaepHash = algorithm === 'RSA-OAEP-256' ? 'sha256' : 'sha1'
      return privateDecrypt({ key: createPrivateKey(pem), padding, oaepHash }, Buffer.from(value, 'base64url'))
    },
    close: () => azure.close()
  }
}

/**
 * A World for the tests of one file: started before them, closed after them, with its logs
 * and faults cleared before each test.
 */
export function useWorld(options: LocalAzureOptions = {}): World {
  const world = {} as World
  beforeAll(async () => {
    Object.assign(world, await createWorld(options))
  })
  afterAll(() => world.close())
  beforeEach(() => {
    world.azure.clearLogs()
    world.azure.faults.clear()
  })
  return world
}

/** The `::error::` lines of a run. */
export function errors(result: RunActionResult): string[] {
  return result.stdout.split('\n').filter((line) => line.startsWith('::error::'))
}

/** Requests the Key Vault stand-in served, by operation name. */
export function operations(azure: LocalAzure): string[] {
  return azure.requests.filter((r) => r.host.includes('.vault.')).map((r) => r.operation ?? `${r.method} ${r.path}`)
}
