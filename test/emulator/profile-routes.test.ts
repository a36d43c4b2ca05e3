import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { tempAssessment } from '../ixit/helpers.ts'

// The DUT profile's update-server section as the loader and `ts701 lint` see it: the new route and
// lifecycle settings load, and their mistakes are findings at the offending node.

const profile = (updateServer: string): string => `name: x
adapter: { kind: http, baseUrl: 'http://127.0.0.1:1' }
operations: {}
updateServer:
${updateServer}
`

async function load(updateServer: string) {
  const dir = await tempAssessment({ 'dut.yaml': profile(updateServer) })
  const { profile: loaded, findings } = await loadDutProfile(join(dir, 'dut.yaml'))
  return { loaded, messages: findings.map((f) => `${f.code} ${f.message}`) }
}

describe('update-server settings in the DUT profile', () => {
  it('loads intervals, first contact, method lists and route conditions', async () => {
    const { loaded, messages } = await load(`  host: 127.0.0.1
  port: 8702
  announceInterval: PT30M
  waitInterval: PT2H
  firstContactTimeout: PT10M
  listenAtStart: true
  routes:
    - { name: current, method: [PUT, PATCH], path: /deployments/next, status: 204, if: { pointer: /artifact_version, equals: '{{offer.version}}' } }
    - name: feedback
      method: '*'
      path: /feedback/*
      status: 200
      if: [{ header: content-type, regex: json }, { query: id, equals: '{{offer.id}}' }]
    - { name: beta, method: GET, path: /check, status: 200, if: { regex: 'beta' } }`)
    expect(messages).toEqual([])
    expect(loaded!.updateServer).toMatchObject({
      announceInterval: 'PT30M',
      waitInterval: 'PT2H',
      firstContactTimeout: 'PT10M',
      listenAtStart: true,
      routes: [
        { method: ['PUT', 'PATCH'], if: { pointer: '/artifact_version', equals: '{{offer.version}}' } },
        { method: '*', if: [{ header: 'content-type' }, { query: 'id' }] },
        { method: 'GET', if: { regex: 'beta' } },
      ],
    })
  })

  it('accepts pollInterval, the old name, alone or agreeing with announceInterval', async () => {
    for (const intervals of ['pollInterval: P1D', 'announceInterval: P1D\n  pollInterval: PT24H']) {
      const { messages } = await load(`  host: 127.0.0.1\n  port: 1\n  ${intervals}\n  routes: []`)
      expect(messages).toEqual([])
    }
  })

  it('reports conditions, methods and intervals that cannot work, at the offending node', async () => {
    const { messages } = await load(`  host: 127.0.0.1
  port: 1
  announceInterval: PT1H
  pollInterval: P1D
  waitInterval: 2 hours
  routes:
    - { name: a, method: [GET, '*'], path: /a, status: 200 }
    - { name: b, method: get, path: /b, status: 200 }
    - { name: c, method: GET, path: /c, status: 200, if: { pointer: /a, query: q, equals: x } }
    - { name: d, method: GET, path: /d, status: 200, if: { query: q } }
    - { name: e, method: GET, path: /e, status: 200, if: [{ query: q, equals: x, regex: y }, { pointer: /a~2, equals: x }] }
    - { name: f, method: GET, path: /f, status: 200, if: { regex: 'v([0-9', header: 'x y' } }
    - { name: g, method: GET, path: /g, status: 200, if: { pointer: a, equals: x } }
    - { name: h, method: GET, path: /h, status: 200, if: { query: q, equal: x } }`)
    expect(messages).toEqual([
      'conflict /updateServer/pollInterval: pollInterval is the old name of announceInterval, and they disagree (P1D and PT1H); keep announceInterval',
      'schema /updateServer/waitInterval: expected ISO-8601 duration (e.g. "P1D"), found "2 hours"',
      'schema /updateServer/routes/0/method/1: expected an HTTP method in capitals, found "*"',
      'schema /updateServer/routes/1/method: expected an HTTP method in capitals, or * (e.g. "GET"), found "get"',
      'conflict /updateServer/routes/2/if/query: a condition tests one value, but this one names pointer and query',
      'bad-condition /updateServer/routes/3/if: a condition needs exactly one of equals and regex (found neither)',
      'bad-condition /updateServer/routes/4/if/0/regex: a condition needs exactly one of equals and regex (found both)',
      'bad-pointer /updateServer/routes/4/if/1/pointer: invalid JSON pointer "/a~2" (expected /segment/segment, with ~0 for ~ and ~1 for /)',
      'bad-regex /updateServer/routes/5/if/regex: invalid regular expression: /v([0-9/: Unterminated character class',
      'bad-header /updateServer/routes/5/if/header: "x y" is not a header name',
      'schema /updateServer/routes/6/if/pointer: expected JSON pointer (e.g. "/artifact_version"), found "a"',
      'schema /updateServer/routes/7/if: unknown property "equal" (did you mean "equals"? allowed: pointer, query, header, equals, regex)',
    ])
  })
})
