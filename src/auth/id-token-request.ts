/**
 * Where the runner serves the job's OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL), checked as an
 * input is: without `permissions: id-token: write` there is none, and the step fails before
 * any request saying so.
 */
import { ActionableError } from '../runner/actionable-error.ts'

export function idTokenRequestUrl(env: NodeJS.ProcessEnv = process.env): URL {
  const text = env.ACTIONS_ID_TOKEN_REQUEST_URL
  if (!text || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionableError(
      'The runner gave this job no GitHub OIDC token: add `permissions: id-token: write` to the workflow or job. ' +
        'Pull requests from forks (and Dependabot) never get one; run those with another trigger or without client-id/tenant-id.'
    )
  }
  const url = URL.parse(text)
  if (url?.protocol !== 'https:') {
    throw new ActionableError(
      "The runner's ACTIONS_ID_TOKEN_REQUEST_URL is not an https URL, so the job's OIDC token cannot be fetched. " +
        'The runner sets it for jobs with `permissions: id-token: write`; do not set it in the workflow.'
    )
  }
  return url
}
