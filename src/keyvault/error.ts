/**
 * A non-2xx answer from Key Vault, as every caller sees it. Apart from the vault client, so that
 * describing an error (errors.ts) does not load the Azure SDK's pipeline.
 */
import type { PipelineResponse } from '@azure/core-rest-pipeline'
import type { VaultOperation } from './operation.ts'

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

function parseErrorBody(body: string): { code?: string; message?: string; innerCode?: string } {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: string; message?: string; innererror?: { code?: string } } }
    return { code: error?.code, message: error?.message, innerCode: error?.innererror?.code }
  } catch {
    return { message: body.slice(0, 300) }
  }
}
