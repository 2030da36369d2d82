/**
 * The restore-keys tests' world: the local Azure with the source vault of backed-up VMs (the vault
 * the keys are restored into by default), the roles restore-keys needs there, an ADE stand-in
 * allowed into it, and a run of the bundle that is leak-scanned (debug on) before anything else.
 */
import { afterAll, beforeAll, expect } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAde, type Ade } from '../../../emulator/ade.ts'
import { runAction, type RunActionResult } from '../../../emulator/runner.ts'
import { issuedTokens, leaks } from '../leak-scan.ts'
import { errors, useWorld, type World } from '../world.ts'
import { SOURCE, backedUpVm, type BackedUpVm } from './backed-up-vm.ts'

const ENTRY = join(process.cwd(), 'dist', 'restore-keys', 'index.js')

export interface RestoreWorld {
  readonly world: World
  readonly scratch: string
  ade(): Ade
  subscriptionId(): string
  vm(options: Parameters<typeof backedUpVm>[2]): Promise<BackedUpVm>
  restore(inputs: Record<string, string>): Promise<RunActionResult>
}

export function useRestoreWorld(): RestoreWorld {
  const world = useWorld()
  const scratch = mkdtempSync(join(tmpdir(), 'restore-keys-'))
  const vms: BackedUpVm[] = []
  let ade: Ade
  beforeAll(() => {
    const kv = world.azure.keyVault
    kv.createVault(SOURCE, { enabledForDiskEncryption: true })
    // What restore-keys needs on the vault it restores into, and Reader to find the vault IDs.
    kv.grant(SOURCE, world.objectId, 'Key Vault Crypto Officer')
    kv.grant(SOURCE, world.objectId, 'Key Vault Secrets Officer')
    kv.grant(SOURCE, world.objectId, 'Reader')
    ade = startAde(world.azure, { vaults: [SOURCE] })
  })
  afterAll(async () => {
    await ade.close()
    rmSync(scratch, { recursive: true, force: true })
  })
  return {
    world,
    scratch,
    ade: () => ade,
    subscriptionId: () => world.azure.keyVault.vault(SOURCE).subscriptionId,
    vm: async (options) => {
      const made = await backedUpVm(world.azure, world.objectId, options)
      vms.push(made)
      return made
    },
    restore: async (inputs) => {
      const result = await runAction({
        localAzure: world.azure,
        entry: ENTRY,
        inputs: { 'client-id': world.clientId, 'tenant-id': world.tenantId, ...inputs },
        debug: true,
        timeoutMs: 60_000
      })
      const wrapped = vms.map((vm) => vm.wrapped)
      expect(leaks(result, { plaintexts: vms.map((vm) => vm.plaintext), tokens: issuedTokens(world.azure), wrapped })).toEqual([])
      return result
    }
  }
}

export const ok = (result: RunActionResult): RunActionResult => {
  expect(errors(result)).toEqual([])
  expect(result.exitCode).toBe(0)
  return result
}

/** The one ::error:: line of a failed run. */
export const failed = (result: RunActionResult): string => {
  expect(result.exitCode).not.toBe(0)
  const lines = errors(result)
  expect(lines).toHaveLength(1)
  return lines[0]!
}

/** The vault writes that succeeded (a refused restore changes nothing). */
export const written = (world: World) =>
  world.azure.requests.filter(
    (r) => r.method !== 'GET' && !/unwrapkey$/i.test(r.path) && r.host.includes('.vault.') && r.status >= 200 && r.status < 300
  )

export const kekUrl = (v: BackedUpVm) => `https://${SOURCE}.vault.azure.net/keys/${v.kekName}/${v.kekVersion}`
