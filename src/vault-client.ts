/**
 * One Key Vault pipeline for the whole run, built from the Azure SDK's own parts: its retry
 * (429 with Retry-After, transient 5xx and network errors, bounded), user agent and
 * bearer-token policies, over the run's keep-alive connections. One pipeline means one token
 * cache for every call, and because the token scope comes from the cloud table no request is
 * spent on the unauthenticated challenge that each SDK client sends first.
 */
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
import type { Cloud } from './clouds.ts'
import type { Connections } from './connections.ts'
import { unreadableAnswer } from './unreadable-answer.ts'
import { vaultNotFoundPolicy } from './vault-not-found.ts'
import type { VaultOperation } from './vault-operation.ts'

/** 7.5 is served in every cloud, sovereign ones included, and has all this action uses. */
const API_VERSION = '7.5'
const USER_AGENT = 'azure-bek-action/1'

export type { VaultOperation }

export class VaultError extends Error {
  readonly operation: VaultOperation
  readonly url: string
  readonly status: number
  readonly code: string
  readonly innerCode?: string
  /** What the error body said ('' when it said nothing). */
  readonly reason: string
  readonly requestId?: string
  /** Where a redirect (3xx) pointed; never followed. */
  readonly location?: string
  constructor(operation: VaultOperation, url: string, response: PipelineResponse, body: string) {
    const error = parseErrorBody(body)
    super(error.message || `HTTP ${response.status}`)
    this.operation = operation
    this.url = url
    this.status = response.status
    this.code = error.code ?? ''
    this.innerCode = error.innerCode
    this.reason = error.message ?? ''
    this.requestId = response.headers.get('x-ms-request-id')
    this.location = response.headers.get('location')
  }
}

export interface VaultRequest {
  readonly operation: VaultOperation
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH'
  /** Vault URL plus path, without query; or a list's nextLink, sent as the vault gave it. */
  readonly url: string
  readonly body?: string | Buffer
}

export class VaultClient {
  readonly #pipeline: Pipeline
  readonly #httpClient: HttpClient
  readonly #connections: Connections
  readonly #hosts: ReadonlySet<string>

  /** `vaultUrls`: the only vaults this client will send a token to (validated inputs), the key-vault input first. */
  constructor(credential: TokenCredential, cloud: Cloud, connections: Connections, vaultUrls: readonly string[]) {
    this.#connections = connections
    this.#hosts = new Set(vaultUrls.map((url) => new URL(url).hostname))
    // Key Vault never redirects; following one would send a write (and its token) where it was not asked to go.
    this.#pipeline = createPipelineFromOptions({ userAgentOptions: { userAgentPrefix: USER_AGENT }, redirectOptions: { maxRetries: 0 } })
    this.#pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: cloud.vaultScope }), { phase: 'Sign' })
    this.#pipeline.addPolicy(vaultNotFoundPolicy(cloud, vaultUrls[0] ?? ''), { afterPhase: 'Retry' })
    this.#httpClient = createDefaultHttpClient()
  }

  /** Sends a request and returns the parsed JSON body; any non-2xx answer throws a VaultError. */
  async json<T>(request: VaultRequest): Promise<T> {
    const { response, text } = await this.#send(request)
    if (response.status >= 300) throw new VaultError(request.operation, request.url, response, text)
    return parseAnswer<T>(request, text)
  }

  /** Like json(), but a 404 answer is `undefined` rather than an error. */
  async jsonOrNotFound<T>(request: VaultRequest): Promise<T | undefined> {
    const { response, text } = await this.#send(request)
    if (response.status === 404) return undefined
    if (response.status >= 300) throw new VaultError(request.operation, request.url, response, text)
    return parseAnswer<T>(request, text)
  }

  /**
   * Sends a request and returns the body as bytes, never as a string, for answers that hold
   * key material; the caller zeroes them.
   */
  async bytes(request: VaultRequest): Promise<Buffer> {
    const { response, chunks, text } = await this.#send(request, true)
    const body = Buffer.concat(chunks)
    for (const chunk of chunks) chunk.fill(0)
    if (response.status >= 300) {
      // Only 200 answers are streamed; an error's body arrives as text.
      const said = body.length > 0 ? body.toString('utf8') : text
      body.fill(0)
      throw new VaultError(request.operation, request.url, response, said)
    }
    return body
  }

  async #send(request: VaultRequest, stream = false): Promise<{ response: PipelineResponse; text: string; chunks: Buffer[] }> {
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
    if (stream) pipelineRequest.streamResponseStatusCodes = new Set([200])
    const response = await this.#pipeline.sendRequest(this.#httpClient, pipelineRequest)
    const chunks: Buffer[] = []
    if (response.readableStreamBody) {
      for await (const chunk of response.readableStreamBody) chunks.push(chunk as Buffer)
    }
    core.debug(`${request.method} ${request.url} -> ${response.status} (${Date.now() - started} ms)`)
    return { response, text: response.bodyAsText ?? '', chunks }
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

function parseAnswer<T>(request: VaultRequest, text: string): T {
  try {
    return JSON.parse(text) as T
  } catch {
    throw unreadableAnswer(request.operation, request.method, request.url, 'something that is not JSON')
  }
}

function parseErrorBody(body: string): { code?: string; message?: string; innerCode?: string } {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: string; message?: string; innererror?: { code?: string } } }
    return { code: error?.code, message: error?.message, innerCode: error?.innererror?.code }
  } catch {
    return { message: body.slice(0, 300) }
  }
}
