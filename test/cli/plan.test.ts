import { describe, expect, it } from 'vitest'
import { EXAMPLE } from '../helpers.ts'
import { ts701InProcess } from './helpers.ts'

describe('ts701 plan', () => {
  it('lists what applies, why the rest does not, and what functional cases need from the lab', async () => {
    const r = await ts701InProcess(['plan', EXAMPLE, '--standard', 'en303645-v2.1.1'])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toBe('EN 303 645 V2.1.1 / TS 103 701 V1.1.1 — TS701-REF-1')
    const na = lines.findIndex((l) => l.startsWith('5.3-15 '))
    expect(lines[na]).toMatch(/NOT APPLICABLE\s+R C\(3,4\)/)
    expect(lines[na + 1]).toMatch(
      /condition 4 \(the device is constrained\) does not hold per the ICS; ICS 5\.3-15: N\/A — "Not applicable/,
    )
    expect(r.stdout).toMatch(/5\.3-16-2\s+functional 2 unit run\(s\) over UserInfo-1\n\s+needs from the lab: identify/)
    expect(r.stdout).toMatch(/5\.3-7-1\s+conceptual 8 unit run\(s\) over UpdMech-Network, UpdMech-LocalUpload/)
  })

  it('narrows to the requested groups', async () => {
    const r = await ts701InProcess(['plan', EXAMPLE, '--group', '5.3-4A,5.3-4B'])
    expect(
      r.stdout
        .split('\n')
        .filter((l) => /^5\.3-/.test(l))
        .map((l) => l.split(' ')[0]),
    ).toEqual(['5.3-4A', '5.3-4B'])
  })
})
