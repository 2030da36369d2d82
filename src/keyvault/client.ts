/**
 * One Key Vault pipeline for the whole run, built from the Azure SDK's own parts: a retry
 * bounded by the step's deadline (vault-retry.ts), user agent and bearer-token policies, over
 * the run's keep-alive connections. Every answer is read up to MAX_ANSWER_BYTES. One pipeline means one token
 * cache for every call, and because the token scope comes from the cloud table no request is
 * spent on the unauthenticated challenge that each SDK client sends first.
 */
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
import { unreadableAnswer } from './unreadable-answer.ts'
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
}

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
    if (response.status >= 300) throw new VaultError(request.operation, request.url, response, text)
    return parseAnswer<T>(request, text, this.#rerun)
  }

  /** Like json(), but a 404 answer is `undefined` rather than an error. */
  async jsonOrNotFound<T>(request: VaultRequest): Promise<T | undefined> {
    const { response, body } = await this.#send(request)
    const text = body.toString('utf8')
    if (response.status === 404) return undefined
    if (response.status >= 300) throw new VaultError(request.operation, request.url, response, text)
    return parseAnswer<T>(request, text, this.#rerun)
  }

  /**
   * Sends a request and returns the body as bytes, never as a string, for answers that hold
   * key material; the caller zeroes them.
   */
  async bytes(request: VaultRequest): Promise<Buffer> {
    const { response, body } = await this.#send(request)
    if (response.status >= 300) {
      const said = body.toString('utf8')
      body.fill(0)
      throw new VaultError(request.operation, request.url, response, said)
    }
    return body
  }

  async #send(request: VaultRequest): Promise<{ response: PipelineResponse; body: Buffer }> {
    const url = new URL(request.url)
    // Some URLs come from the vault's answers (a key's kid); never let one carry the token elsewhere.
    if (url.protocol !== 'https:' || !this.#hosts.has(url.hostname)) {
      throw new Error(`Refusing to send a Key Vault request to ${url.origin}: not one of the vaults in the inputs`)
    }
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
      if (!(error instanceof WaitRefused)) throw error
      ;(error.response?.readableStreamBody as Readable | undefined)?.destroy()
      throw waitRefused(request.operation, request.method, request.url, error, this.#rerun)
    }
    const body = await readAnswer(request, response, this.#rerun)
    core.debug(`${request.method} ${request.url} -> ${response.status} (${Date.now() - started} ms)`)
    return { response, body }
  }
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
