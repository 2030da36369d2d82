// Peer: this action's bundle, run exactly as the GitHub runner runs it (emulator/runner.ts).
import { runAction } from '../../emulator/runner.ts'
import { bundle } from '../bundle.ts'
import type { BenchWorld } from '../world.ts'
import { KEK, VAULT } from '../world.ts'
import { newSecretName, tail, type Peer, type PeerRun } from './types.ts'

/** The inputs of issue 4's single-BEK run: a generated (UUID) secret name. */
export const actionInputs = (world: BenchWorld): Record<string, string> => ({
  'key-vault': VAULT,
  'kek-name': KEK,
  'client-id': world.clientId,
  'tenant-id': world.tenantId,
  'os-type': 'linux'
})

async function runOnce(world: BenchWorld, inputs: Record<string, string>): Promise<PeerRun> {
  const r = await runAction({ localAzure: world.azure, inputs, entry: bundle.entry, timeoutMs: 60_000 })
  const spawnedAt = r.startedAt
  const secretName = r.outputs['secret-name'] ?? ''
  const ok = r.exitCode === 0 && secretName !== '' && (inputs['secret-name'] === undefined || inputs['secret-name'] === secretName)
  return { ok, ms: r.durationMs, spawnedAt, secretName, ...(ok ? {} : { error: r.timedOut ? 'timed out' : tail(r.stdout + r.stderr) }) }
}

export const actionPeer: Peer = {
  id: 'action',
  label: 'this action',
  unavailable: async () => undefined,
  run: (world) => runOnce(world, actionInputs(world))
}

/** The same with a secret-name, which makes the action check the name (if-exists: fail) first. */
export const actionNamedPeer: Peer = {
  id: 'action-named',
  label: 'this action, with secret-name',
  unavailable: async () => undefined,
  run: (world) => runOnce(world, { ...actionInputs(world), 'secret-name': newSecretName('named') })
}

/** The same through Azure Resource Manager (subscription-id): resource IDs and ADE's vault checks, within 1.3× (issue 8). */
export const actionArmPeer: Peer = {
  id: 'action-arm',
  label: 'this action, with subscription-id',
  unavailable: async () => undefined,
  run: (world) => runOnce(world, { ...actionInputs(world), 'subscription-id': world.azure.keyVault.vault(VAULT).subscriptionId })
}
