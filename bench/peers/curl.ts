// Peer: the reference REST flow as a plain curl script (bench/peers/curl-flow.sh).
import { fileURLToPath } from 'node:url'
import { runProcess, works } from '../proc.ts'
import { newSecretName, peerRun, type Peer, type PeerRun } from './types.ts'

const SCRIPT = fileURLToPath(new URL('./curl-flow.sh', import.meta.url))

export const curlPeer: Peer = {
  id: 'curl',
  label: 'curl script (REST)',
  async unavailable(world) {
    const r = await works('bash', ['-c', 'command -v curl && command -v basenc'], world.peerEnv())
    return r.ok ? undefined : 'curl or basenc not installed'
  },
  async run(world): Promise<PeerRun> {
    const secretName = newSecretName('curl')
    const r = await runProcess('bash', [SCRIPT], { env: world.peerEnv({ SECRET_NAME: secretName }), timeoutMs: 60_000 })
    return peerRun(r, secretName)
  }
}
