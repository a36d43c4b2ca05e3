/**
 * What the adapters' profile parts mean as written in YAML: the `{{…}}` trap of flow style, the
 * receipt table, and the example profiles and README snippets, which quote every template.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isScalar, parseDocument, visit } from 'yaml'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { formatFinding } from '../../ixit/findings.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function load(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-profile-yaml-'))
  dirs.push(dir)
  const file = join(dir, 'dut.yaml')
  await writeFile(file, text)
  const result = await loadDutProfile(file)
  return { ...result, lines: result.findings.map((f) => formatFinding(f).replace(`${dir}/`, '')) }
}

const mqtt = (topic: string) => `name: MQTT device
adapter: { kind: mqtt, url: mqtt://127.0.0.1:1883 }
operations:
  identify:
    publish: { topic: devices/dut/cmd, payload: '{"id":"{{requestId}}"}' }
    reply: { topic: ${topic}, match: { pointer: /id, equals: "{{requestId}}" } }
    extract: { model: { pointer: /model }, version: { pointer: /version } }
  deliver-image:
    mode: url
    publish: { topic: devices/dut/update, payload: '{"url":"{{image.url}}"}' }
    reply: { topic: devices/dut/update/ack }
    extract: { accepted: { pointer: /rc } }
    receipt: { accepted: ["0"], refused: ["1", FAILED] }
  read-outcome:
    reply: { topic: devices/dut/job }
    extract: { state: { pointer: /status } }
    states: { installed: [SUCCEEDED, "0"], rejected: [FAILED, "1"], pending: [IN_PROGRESS] }
`

describe('DUT profiles in YAML', () => {
  it('an unquoted template in a flow-style topic is one finding that says how to quote it', async () => {
    const { profile, lines } = await load(mqtt('devices/dut/{{requestId}}/reply'))
    expect(profile).toBeUndefined()
    expect(lines).toEqual([
      'dut.yaml:6:33: error: invalid YAML: Unexpected flow-map-start at node end; a {{…}} placeholder in a value inside { … } or [ … ] must be quoted: write "devices/dut/{{requestId}}/reply"',
    ])
  })

  it('quoted, it loads, with the receipt table and the outcome states as written', async () => {
    const { profile, lines } = await load(mqtt('"devices/dut/{{requestId}}/reply"'))
    expect(lines).toEqual([])
    expect(profile?.operations).toMatchObject({
      identify: { reply: { topic: 'devices/dut/{{requestId}}/reply' } },
      'deliver-image': { receipt: { accepted: ['0'], refused: ['1', 'FAILED'] } },
      'read-outcome': { states: { installed: ['SUCCEEDED', '0'], rejected: ['FAILED', '1'], pending: ['IN_PROGRESS'] } },
    })
  })

  it('a receipt table needs both lists', async () => {
    const { lines } = await load(
      mqtt('devices/dut/reply').replace('receipt: { accepted: ["0"], refused: ["1", FAILED] }', 'receipt: { accepted: ["0"] }'),
    )
    expect(lines).toEqual(['dut.yaml:13:16: error: /operations/deliver-image/receipt: missing required property "refused"'])
  })
})

/** Every string scalar holding a template, with whether it is quoted. */
function templates(text: string): Array<{ value: string; quoted: boolean }> {
  const doc = parseDocument(text)
  expect(doc.errors.map((e) => e.message)).toEqual([])
  const found: Array<{ value: string; quoted: boolean }> = []
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && node.value.includes('{{')) {
        found.push({ value: node.value, quoted: node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' })
      }
    },
  })
  return found
}

describe('the examples quote every template', () => {
  it.each(['http', 'mqtt', 'serial'])('examples/reference-dut/profiles/%s.yaml', async (channel) => {
    const found = templates(await readFile(`examples/reference-dut/profiles/${channel}.yaml`, 'utf8'))
    expect(found.length).toBeGreaterThan(0)
    expect(found.filter((t) => !t.quoted)).toEqual([])
  })

  it('the YAML snippets of the README', async () => {
    const readme = await readFile('README.md', 'utf8')
    const snippets = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!)
    expect(snippets.length).toBeGreaterThan(0)
    expect(snippets.flatMap((s) => templates(s)).filter((t) => !t.quoted)).toEqual([])
  })
})
