// Async child processes with a hard timeout (the stand-ins run in this process: a synchronous
// spawn would block them). Each child gets its own process group so a timeout kills its
// children too (bash → curl, az → python).
import { spawn } from 'node:child_process'

export interface ProcResult {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  /** Date.now() just before spawn. */
  spawnedAt: number
  /** Wall time from spawn to exit, ms (performance.now based). */
  ms: number
}

export interface ProcOptions {
  env: Record<string, string>
  cwd?: string
  timeoutMs: number
  input?: string
}

export async function runProcess(command: string, args: string[], options: ProcOptions): Promise<ProcResult> {
  const spawnedAt = Date.now()
  const t0 = performance.now()
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  if (options.input !== undefined) child.stdin?.end(options.input)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    } catch {
      child.kill('SIGKILL')
    }
  }, options.timeoutMs)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c, s) => resolve([c, s]))
  }).finally(() => clearTimeout(timer))
  return { code, signal, timedOut, stdout, stderr, spawnedAt, ms: performance.now() - t0 }
}

/** Whether `command args` exits 0 within the timeout. */
export async function works(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000
): Promise<{ ok: boolean; detail: string }> {
  try {
    const r = await runProcess(command, args, { env, timeoutMs })
    return { ok: r.code === 0, detail: (r.stdout + r.stderr).trim().split('\n').slice(-1)[0] ?? '' }
  } catch (error) {
    return { ok: false, detail: String(error) }
  }
}
