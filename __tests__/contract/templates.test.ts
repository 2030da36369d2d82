// The templates the workflows deploy: every `--template-file` of examples/ and the documentation
// is a file of this repository, checked out earlier in its job, and given only parameters the
// template declares, with every one it requires; the README shows the template as it is.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { parse as parseYaml } from 'yaml'
import { markdownFiles } from '../../scripts/action-docs.ts'
import { markdownWorkflows } from './workflows/check.ts'

type Step = { uses?: string; run?: string }
type Workflow = { name: string; jobs: Array<{ job: string; steps: Step[] }> }

const parsed = (name: string, content: string): Workflow => {
  const doc = parseYaml(content) as { jobs?: Record<string, { steps?: Step[] }>; steps?: Step[] }
  // A documentation block that is only steps (a fragment) is one job's steps.
  const jobs = doc.jobs
    ? Object.entries(doc.jobs).map(([job, j]) => ({ job, steps: j.steps ?? [] }))
    : [{ job: '-', steps: doc.steps ?? [] }]
  return { name, jobs }
}
const examples = readdirSync('examples')
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => parsed(join('examples', f), readFileSync(join('examples', f), 'utf8')))
const documented = markdownFiles('.').flatMap((file) =>
  markdownWorkflows(readFileSync(file, 'utf8'), file).map((w) => ({ ...parsed(w.name, w.content), fragment: w.fragment }))
)

/** Each `az deployment … --template-file <file> --parameters a=… b=…` of a run script (continuation lines joined). */
function deployments(run: string): Array<{ file: string; parameters: string[] }> {
  const script = run.replace(/\\\n\s*/g, ' ')
  return [...script.matchAll(/--template-file\s+(\S+)([^\n]*)/g)].map(([, file, rest]) => {
    const after = /--parameters\s+(.*?)(?:\s--[a-z]|$)/.exec(rest!)?.[1] ?? ''
    return { file: file!, parameters: [...after.matchAll(/(?:^|\s)([A-Za-z]\w*)=/g)].map((m) => m[1]!) }
  })
}

/** A Bicep file's parameters: name, and whether it has a default. */
function bicepParams(file: string): Map<string, { required: boolean }> {
  return new Map(
    [...readFileSync(file, 'utf8').matchAll(/^param\s+(\w+)\s+\w+(\s*=)?/gm)].map((m) => [m[1]!, { required: m[2] === undefined }])
  )
}

const uses = [...examples, ...documented].flatMap((w) =>
  w.jobs.flatMap(({ job, steps }) =>
    steps.flatMap((step, index) =>
      deployments(step.run ?? '').map((d) => ({
        where: `${w.name}, job ${job}, step ${index + 1}`,
        steps,
        index,
        fragment: 'fragment' in w && w.fragment,
        ...d
      }))
    )
  )
)

describe('the templates the workflows deploy', () => {
  test('there are deployments to check', () => {
    expect(uses.filter((u) => u.where.startsWith('examples/')).length).toBeGreaterThanOrEqual(4)
  })

  test('each template file is in the repository', () => {
    expect(uses.filter((u) => !existsSync(u.file)).map((u) => `${u.where}: ${u.file}`)).toEqual([])
  })

  test('each complete workflow checks the repository out before it deploys a file of it', () => {
    const unchecked = uses
      .filter((u) => !u.fragment && !u.steps.slice(0, u.index).some((s) => s.uses?.startsWith('actions/checkout@')))
      .map((u) => u.where)
    expect(unchecked).toEqual([])
  })

  test('each deployment gives only parameters the template declares, and every one it requires', () => {
    const problems = uses
      .filter((u) => u.file.endsWith('.bicep') && existsSync(u.file))
      .flatMap((u) => {
        const params = bicepParams(u.file)
        return [
          ...u.parameters.filter((p) => !params.has(p)).map((p) => `${u.where}: '${p}' is not a parameter of ${u.file}`),
          ...[...params]
            .filter(([name, p]) => p.required && !u.parameters.includes(name))
            .map(([name]) => `${u.where}: required parameter '${name}' of ${u.file} is not given`)
        ]
      })
    expect(problems).toEqual([])
  })

  test('the README shows infra/encrypted-disk.bicep as it is', () => {
    const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```bicep\n([\s\S]*?)```/g)].map((m) => m[1])
    expect(blocks).toContain(readFileSync('infra/encrypted-disk.bicep', 'utf8'))
  })

  test('the checks catch a parameter the template lacks and one it requires', () => {
    const [d] = deployments(
      'az deployment group create -g rg --template-file infra/encrypted-disk.bicep \\\n  --parameters vaultName=x vhdUri=y'
    )
    expect(d).toEqual({ file: 'infra/encrypted-disk.bicep', parameters: ['vaultName', 'vhdUri'] })
    const params = bicepParams('infra/encrypted-disk.bicep')
    expect(params.has('vaultName')).toBe(false)
    expect(params.get('storageAccountId')).toEqual({ required: true })
    expect(params.get('encryptionSettings')).toEqual({ required: false })
  })
})
