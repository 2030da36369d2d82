// What the stand-ins saw, so tests can assert on traffic (retries, connection reuse, wrapkey counts).
export interface RequestLogEntry {
  method: string
  host: string
  path: string
  query: Record<string, string>
  status: number
  startMs: number
  durationMs: number
  authenticated: boolean
  /** Logical operation (e.g. 'wrapKey', 'getKey', 'setSecret', 'token', 'idToken'), when known. */
  operation?: string
  /** Set when the response was produced by a fault rule ('status', 'reset', 'delay'). */
  fault?: string
}

export interface ConnectLogEntry {
  target: string
  at: number
  allowed: boolean
}

export class TrafficLog {
  readonly requests: RequestLogEntry[] = []
  readonly connects: ConnectLogEntry[] = []

  clear(): void {
    // Keep the array identities: callers may hold references to localAzure.requests.
    this.requests.length = 0
    this.connects.length = 0
  }
}
