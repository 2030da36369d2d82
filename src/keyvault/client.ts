/**
 * One Key Vault pipeline for the whole run, built from the Azure SDK's own parts: a retry
 * bounded by the step's deadline (vault-retry.ts), user agent and bearer-token policies, over
 * the run's keep-alive connections. Every answer is read up to MAX_ANSWER_BYTES. One pipeline means one token
 * cache for every call, and because the token scope comes from the cloud table no request is
 * spent on the unauthenticated challenge that each SDK client sends first.
 */
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { TokenCredential } from '@azure/core-auth'
import {
  type HttpClient,
  type Pipeline,
  type PipelineResponse,
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest
} from '@azure/core-rest-pipeline'
import * as core from '@actions/core'
import type { Cloud } from '../net/clouds.ts'
import type { Connections } from '../net/connections.ts'
import { waitRefused } from './throttled.ts'
import { UnreadableAnswerError, unreadableAnswer } from './unreadable-answer.ts'
import { untrusted } from '../runner/untrusted.ts'
import { ATTEMPT_TIMEOUT_MS } from '../net/dial.ts'
import { vaultNotFoundPolicy } from './not-found.ts'
import { VaultError } from './error.ts'
import type { VaultOperation } from './operation.ts'
import { type DeadlineClock, WaitRefused, vaultRetryPolicy } from './retry.ts'

/** 7.5 is served in every cloud, sovereign ones included, and has all this action uses. */
const API_VERSION = '7.5'
const USER_AGENT = 'azure-bek-action/1'
/** Far more than any answer this action asks for (a page of 25 secrets is a few KiB). */
const MAX_ANSWER_BYTES = 1024 * 1024
const STREAM_EVERY_ANSWER = new Set([Number.POSITIVE_INFINITY])

export type { VaultOperation }
export { VaultError }

export interface VaultRequest {
  readonly operation: VaultOperation
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH'
  /** Vault URL plus path, without query; or a list's nextLink, sent as the vault gave it. */
  readonly url: string
  readonly body?: string | Buffer
  /**
   * What the request or its answer carries that must never be printed (a key's or a wrapped
   * value's base64url): handed to the runner's masker before the request is sent, and cut out
   * of any error built from the answer, which a vault or proxy may have filled with an echo.
   */
  readonly masked?: readonly string[]
}

/**
 * Operations whose request or answer holds key material (a key, a wrapped value). An error
 * answer to one of them may echo it in a form this run never saw (the plaintext of an unwrap,
 * re-encoded), so what it says keeps no long run of base64 or hex digits: a 256-bit key is 43 of
 * them in base64url (64 in hex), while a version ID is 32 and nothing the vault says to explain
 * an error needs 40 in a row.
 */
const CARRIES_KEYS = new Set<VaultOperation>(['wrapKey', 'unwrapKey', 'unwrapStored', 'getSecret', 'setSecret'])
const KEY_LIKE = /[A-Za-z0-9+/_-]{40,}=*/g

export interface VaultClientOptions {
  /**
   * What a re-run of this action does with work already done, for the advice after a refused
   * wait or an unreadable write answer; undefined: the root action's (if-exists: reuse).
   */
  readonly rerun?: string
}

export class VaultClient {
  readonly #pipeline: Pipeline
  readonly #httpClient: HttpClient
  readonly #connections: Connections
  readonly #hosts: ReadonlySet<string>
  readonly #deadline: DeadlineClock
  readonly #rerun?: string

  /** `vaultUrls`: the only vaults this client will send a token to (validated inputs), the key-vault input first. */
  constructor(
    credential: TokenCredential,
    cloud: Cloud,
    connections: Connections,
    vaultUrls: readonly string[],
    deadline: DeadlineClock,
    options: VaultClientOptions = {}
  ) {
    this.#connections = connections
    this.#deadline = deadline
    this.#rerun = options.rerun
    this.#hosts = new Set(vaultUrls.map((url) => new URL(url).hostname))
    // Key Vault never redirects; following one would send a write (and its token) where it was not asked to go.
    this.#pipeline = createPipelineFromOptions({ userAgentOptions: { userAgentPrefix: USER_AGENT }, redirectOptions: { maxRetries: 0 } })
    this.#pipeline.removePolicy({ phase: 'Retry' })
    this.#pipeline.addPolicy(vaultRetryPolicy(deadline), { phase: 'Retry' })
    this.#pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: cloud.vaultScope }), { phase: 'Sign' })
    this.#pipeline.addPolicy(vaultNotFoundPolicy(cloud, vaultUrls[0] ?? ''), { afterPhase: 'Retry' })
    this.#httpClient = createDefaultHttpClient()
  }

  /** Sends a request and returns the parsed JSON body; any non-2xx answer throws a VaultError. */
  async json<T>(request: VaultRequest): Promise<T> {
    const { response, body } = await this.#send(request)
    const text = body.toString('utf8')
    if (response.status >= 300) throw new VaultError(request.operation, request.url, response, redacted(request, text))
    return parseAnswer<T>(request, text, this.#rerun)
  }

  /** Like json(), but a 404 answer is `undefined` rather than an error. */
  async jsonOrNotFound<T>(request: VaultRequest): Promise<T | undefined> {
    const { response, body } = await this.#send(request)
    const text = body.toString('utf8')
    if (response.status === 404) return undefined
    if (response.status >= 300) throw new VaultError(request.operation, request.url, response, redacted(request, text))
    return parseAnswer<T>(request, text, this.#rerun)
  }

  /**
   * Sends a request and returns the body as bytes, never as a string, for answers that hold
   * key material; the caller zeroes them.
   */
  async bytes(request: VaultRequest): Promise<Buffer> {
    const { response, body } = await this.#send(request)
    if (response.status >= 300) {
      const said = redacted(request, body.toString('utf8'))
      body.fill(0)
      throw new VaultError(request.operation, request.url, response, said)
    }
    return body
  }

  #pastDeadline(): Error | undefined {
    return deadlineReason(this.#deadline.signal)
  }

  async #send(request: VaultRequest): Promise<{ response: PipelineResponse; body: Buffer }> {
    const url = new URL(request.url)
    // Some URLs come from the vault's answers (a key's kid); never let one carry the token elsewhere.
    if (url.protocol !== 'https:' || !this.#hosts.has(url.hostname)) {
      throw new Error(`Refusing to send a Key Vault request to ${url.origin}: not one of the vaults in the inputs`)
    }
    for (const value of request.masked ?? []) mask(value)
    const started = Date.now()
    const pipelineRequest = createPipelineRequest({
      url: url.search ? request.url : `${request.url}?api-version=${API_VERSION}`,
      method: request.method,
      body: request.body,
      headers: createHttpHeaders(request.body === undefined ? {} : { 'content-type': 'application/json' })
    })
    pipelineRequest.agent = this.#connections.agentFor(url.hostname)
    // Streamed, every answer is read here, and no further than MAX_ANSWER_BYTES.
    pipelineRequest.streamResponseStatusCodes = STREAM_EVERY_ANSWER
    let response: PipelineResponse
    try {
      response = await this.#pipeline.sendRequest(this.#httpClient, pipelineRequest)
    } catch (error) {
      if (!(error instanceof WaitRefused)) throw this.#pastDeadline() ?? error
      ;(error.response?.readableStreamBody as Readable | undefined)?.destroy()
      throw waitRefused(request.operation, request.method, request.url, error, this.#rerun)
    }
    let body: Buffer
    try {
      body = await readAnswer(request, response, this.#rerun)
    } catch (error) {
      if (error instanceof UnreadableAnswerError) throw error
      // An answer that broke off mid-body (no data for the attempt's timeout, a lost connection, the deadline).
      throw (
        this.#pastDeadline() ??
        unreadableAnswer(request.operation, request.method, request.url, `cut off mid-body (${brokenOff(error)})`, this.#rerun)
      )
    }
    core.debug(`${request.method} ${request.url} -> ${response.status} (${Date.now() - started} ms)`)
    return { response, body }
  }
}

/** The step deadline's own error (naming what was unanswered) once it has passed, rather than the abort's text. */
function deadlineReason(signal: AbortSignal): Error | undefined {
  return signal.aborted && signal.reason instanceof Error ? signal.reason : undefined
}

/** What stopped an answer's body, in a few words: Node's 'aborted' says nothing of why. */
function brokenOff(error: unknown): string {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined
  if (code === 'ECONNRESET' || (error instanceof Error && error.message === 'aborted')) {
    return `no more data came for ${ATTEMPT_TIMEOUT_MS / 1000} s, or the connection was lost`
  }
  return typeof code === 'string' ? untrusted(code, 50) : untrusted(error instanceof Error ? error.message : String(error), 100)
}

/**
 * The answer's body, read to its end or MAX_ANSWER_BYTES: a larger 2xx answer is an error
 * naming the request, a larger error answer is cut there (its first line is all that is shown).
 * The chunks are zeroed: an unwrap's answer holds a key.
 */
async function readAnswer(request: VaultRequest, response: PipelineResponse, rerun?: string): Promise<Buffer> {
  const stream = response.readableStreamBody as Readable | undefined
  if (!stream) return Buffer.from(response.bodyAsText ?? '')
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer)
      size += (chunk as Buffer).length
      if (size <= MAX_ANSWER_BYTES) continue
      if (response.status >= 300) break
      throw unreadableAnswer(request.operation, request.method, request.url, `larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`, rerun)
    }
    return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES)
  } finally {
    // An answer read to its end leaves its connection for the next request.
    if (!stream.readableEnded) stream.destroy()
    for (const chunk of chunks) chunk.fill(0)
  }
}

/** Digests of the values handed to the masker: each once, without keeping a key's text for the whole run. */
const maskedDigests = new Set<string>()

/**
 * Hands `value` to the runner's masker (once), which then prints *** for it in every later
 * line: before a request carries it, or as soon as an answer brought it.
 */
export function mask(value: string): void {
  if (!value) return
  const digest = createHash('sha256').update(value).digest('base64')
  if (maskedDigests.has(digest)) return
  maskedDigests.add(digest)
  core.setSecret(value)
}

/** An error answer's text as an error message may show it: without the values the request masked, nor anything like a key. */
function redacted(request: VaultRequest, text: string): string {
  let said = text
  for (const value of request.masked ?? []) if (value) said = said.replaceAll(value, '***')
  return CARRIES_KEYS.has(request.operation) ? said.replace(KEY_LIKE, '[…]') : said
}

/**
 * A Key Vault identifier (a key's kid, a secret's id) as outputs and tags carry it: ADE
 * refuses URLs with a port and compares hosts as text, so no `:443` and a lower-case host.
 */
export function normaliseId(id: string): string {
  const url = new URL(id)
  return `https://${url.hostname.toLowerCase()}${url.pathname.replace(/\/$/, '')}`
}

function parseAnswer<T>(request: VaultRequest, text: string, rerun?: string): T {
  try {
    return JSON.parse(text) as T
  } catch {
    throw unreadableAnswer(request.operation, request.method, request.url, 'not JSON', rerun)
  }
}
