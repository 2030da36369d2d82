/**
 * Azure Resource Manager GETs over the run's keep-alive connections, with the Azure SDK's
 * retry and bearer-token policies. Hand-written rather than @azure/arm-keyvault: the action
 * reads two resources and one permissions list, and the plain run must not pay for a client.
 */
import type { TokenCredential } from '@azure/core-auth'
import {
  type HttpClient,
  type Pipeline,
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest
} from '@azure/core-rest-pipeline'
import * as core from '@actions/core'
import type { Cloud } from '../net/clouds.ts'
import type { Connections } from '../net/connections.ts'
import { untrusted } from '../runner/untrusted.ts'

const USER_AGENT = 'azure-bek-action/1'

export class ArmError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message || `HTTP ${status}`)
    this.status = status
    this.code = code
  }
}

export class ArmClient {
  readonly #pipeline: Pipeline
  readonly #httpClient: HttpClient
  readonly #connections: Connections
  readonly #endpoint: string

  constructor(credential: TokenCredential, cloud: Cloud, connections: Connections) {
    this.#connections = connections
    this.#endpoint = cloud.armEndpoint
    this.#pipeline = createPipelineFromOptions({ userAgentOptions: { userAgentPrefix: USER_AGENT } })
    // One scope for every call: the pipeline's cache then holds the run's one ARM token.
    this.#pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: cloud.armScope }), { phase: 'Sign' })
    this.#httpClient = createDefaultHttpClient()
  }

  /** GETs `path` (from the endpoint, query included except api-version); non-2xx throws ArmError. */
  async get<T>(path: string, apiVersion: string): Promise<T> {
    return this.#get<T>(`${this.#endpoint}${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`)
  }

  /**
   * GETs a list's nextLink as Resource Manager gave it (api-version and skip token included),
   * only when it points back at this endpoint: the link comes from an answer, the token must not follow it elsewhere.
   */
  async getNextLink<T>(link: string): Promise<T> {
    let url: URL | undefined
    try {
      url = new URL(link)
    } catch {
      url = undefined
    }
    const endpoint = new URL(this.#endpoint)
    if (!url || url.protocol !== 'https:' || url.host !== endpoint.host || url.username || url.password) {
      throw new ArmError(
        0,
        'NextLinkRefused',
        `Azure Resource Manager answered with a nextLink '${untrusted(link, 200)}' that leaves ${endpoint.host}; refusing to follow it.`
      )
    }
    return this.#get<T>(url.href)
  }

  async #get<T>(url: string): Promise<T> {
    const request = createPipelineRequest({ url, method: 'GET' })
    request.agent = this.#connections.agentFor(new URL(this.#endpoint).hostname)
    const response = await this.#pipeline.sendRequest(this.#httpClient, request)
    core.debug(`GET ${untrusted(url)} -> ${response.status}`)
    const text = response.bodyAsText ?? ''
    if (response.status >= 300) {
      const error = parseError(text)
      throw new ArmError(response.status, error.code ?? '', error.message ?? text.slice(0, 300))
    }
    try {
      return JSON.parse(text) as T
    } catch {
      throw new ArmError(
        response.status,
        'UnreadableAnswer',
        `Azure Resource Manager's answer to GET ${untrusted(url)} is not JSON; re-run the step.`
      )
    }
  }
}

function parseError(body: string): { code?: string; message?: string } {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: string; message?: string } }
    return { code: error?.code, message: error?.message }
  } catch {
    return {}
  }
}

/** What ARM answered, printable (its code and message are untrusted). */
export function describeArmError(error: unknown): string {
  if (error instanceof ArmError) return `Azure Resource Manager said ${error.status} ${untrusted(error.code)}: ${untrusted(error.message)}`
  return untrusted(error instanceof Error ? error.message : String(error))
}
