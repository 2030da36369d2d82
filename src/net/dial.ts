/**
 * One connection of a run: TCP (node:net), then TLS, with an idle limit from the first packet.
 * node:tls is loaded on the first TCP answer, not before the first connection goes out.
 */
import { connect as netConnect } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'

/**
 * How long one attempt may go without a byte moving: connecting, the proxy's CONNECT, the TLS
 * handshake, or waiting for the answer. It then fails as ETIMEDOUT, which every retry policy
 * on the way (Key Vault's, Entra ID's) treats as a network error worth another attempt.
 */
export const ATTEMPT_TIMEOUT_MS = 30_000

export type Dial = (host: string, port: number, done: (error: Error | null, socket?: TLSSocket) => void) => void

/** Fails a connection that moves no byte for ATTEMPT_TIMEOUT_MS, from its first packet on. */
export function expireWhenIdle(socket: Duplex & { setTimeout(ms: number, callback: () => void): unknown }, host: string): void {
  socket.setTimeout(ATTEMPT_TIMEOUT_MS, () =>
    socket.destroy(
      Object.assign(new Error(`No answer from ${host} in ${ATTEMPT_TIMEOUT_MS / 1000} s`), {
        code: 'ETIMEDOUT'
      })
    )
  )
}

/**
 * TLS over a connected socket. node:tls is loaded here, on the first connection's TCP answer,
 * rather than before the first connection goes out.
 */
export function secure(socket: Duplex, host: string, done: (error: Error | null, socket?: TLSSocket) => void): void {
  const tls = process.getBuiltinModule('node:tls').connect({ socket, servername: host })
  expireWhenIdle(tls, host)
  tls.once('secureConnect', () => done(null, tls))
  tls.once('error', (error) => done(error))
}

export const direct: Dial = (host, port, done) => {
  const socket = netConnect({ host, port })
  const fail = (error: Error): void => done(error)
  expireWhenIdle(socket, host)
  socket.once('error', fail)
  socket.once('connect', () => {
    socket.off('error', fail)
    // The TLS socket keeps the idle timeout from here on.
    socket.setTimeout(0)
    secure(socket, host, done)
  })
}
