import type { ProcResult } from '../proc.ts'
import type { BenchWorld } from '../world.ts'

export interface PeerRun {
  ok: boolean
  /** Wall time from spawn to exit, ms. */
  ms: number
  /** Date.now() at spawn (for time-to-first-request). */
  spawnedAt: number
  /** The secret name it stored (to check the vault holds it). */
  secretName: string
  error?: string
}

export interface Peer {
  id: string
  label: string
  /** Undefined when it can run here, else why not. */
  unavailable(world: BenchWorld): Promise<string | undefined>
  run(world: BenchWorld): Promise<PeerRun>
}

export const newSecretName = (prefix: string): string => `${prefix}-${crypto.randomUUID().toUpperCase()}`

export const tail = (text: string, lines = 5): string => text.trim().split('\n').slice(-lines).join(' | ')

/** A peer's run as the bench records it, from the process that ran it. */
export function peerRun(process: ProcResult, secretName: string): PeerRun {
  const ok = process.code === 0
  return {
    ok,
    ms: process.ms,
    spawnedAt: process.spawnedAt,
    secretName,
    ...(ok ? {} : { error: process.timedOut ? 'timed out' : tail(process.stderr + process.stdout) })
  }
}
