// Error injection: matched per request before normal handling, each rule used `times` times.
export interface FaultRule {
  host?: string | RegExp
  method?: string
  path?: RegExp
  times?: number
  status?: number
  headers?: Record<string, string>
  body?: unknown
  /** Destroy the socket without answering (client sees ECONNRESET / socket hang up). */
  reset?: boolean
  /**
   * Handle the request normally (a PUT stores its version), then destroy the socket instead of
   * answering: the answer is lost after the server acted.
   */
  resetAfterHandling?: boolean
  /**
   * Handle the request normally, then never answer (the connection stays open until the client
   * gives up): the vault acted, and the answer is stalled past the client's timeout.
   */
  stallAfterHandling?: boolean
  /** Handle the request normally, then answer with this status (and `body`) instead: a gateway error after the vault acted. */
  statusAfterHandling?: number
  /**
   * With `status`: the answer is a Key Vault error whose message quotes the request's body (a
   * wrapkey's key, a PUT's wrapped value), as a vault or proxy that echoes what it refused would.
   */
  echoRequest?: boolean
  /**
   * With `statusAfterHandling`: the answer is an error whose message quotes the answer the
   * service gave (an unwrap's key), as a gateway that failed after the vault answered might.
   */
  echoAnswer?: boolean
  /**
   * Handle the request normally, then answer with its status but the JSON body this returns
   * (given the body the vault answered): a vault or a middlebox answering wrongly after acting,
   * such as a wrapkey value of the wrong size, an unwrap of other bytes or a hostile `id`.
   */
  answerAfterHandling?: (body: Record<string, unknown>) => unknown
  /** Answer 200 with a JSON body that never ends (sent as fast as the client reads it). */
  endlessBody?: boolean
  /** Delay before answering; without status/reset the request is then handled normally. */
  delayMs?: number
  /** With status: send the status, the headers and half the body, then nothing more (the connection stays open). */
  stallBody?: boolean
  /**
   * Answer a list with an empty page whose nextLink is always a new one (a distinct $skiptoken):
   * a list that never ends. Use with a large `times`.
   */
  endlessPages?: boolean
}

export interface FaultMatch {
  rule: FaultRule
}

export class Faults {
  private rules: Array<FaultRule & { remaining: number }> = []

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 })
  }

  clear(): void {
    this.rules = []
  }

  get pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0)
  }

  /** Returns the first matching rule and consumes one use of it. */
  take(method: string, hostname: string, path: string): FaultRule | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r, method, hostname, path))
    if (!rule) return undefined
    rule.remaining -= 1
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule)
    return rule
  }
}

function matches(rule: FaultRule, method: string, hostname: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false
  if (rule.host !== undefined) {
    const ok = typeof rule.host === 'string' ? rule.host.toLowerCase() === hostname : rule.host.test(hostname)
    if (!ok) return false
  }
  if (rule.path && !rule.path.test(path)) return false
  return true
}
