import { describe, expect, it } from 'vitest'
import { firmwarePayload } from '../../sim/payload.ts'

describe('the simulated firmware payload', () => {
  it('is the same for a seed on every call, of the length asked, and shares no pattern with another seed', () => {
    const a = firmwarePayload('ts701-ref-hw1/1.1.0', 1000)
    expect(a).toHaveLength(1000)
    expect(firmwarePayload('ts701-ref-hw1/1.1.0', 1000).equals(a)).toBe(true)
    expect(firmwarePayload('ts701-ref-hw1/1.1.0', 7).equals(a.subarray(0, 7))).toBe(true)
    const b = firmwarePayload('ts701-ref-hw1/1.0.0', 1000)
    expect(a.filter((byte, i) => byte === b[i]).length).toBeLessThan(20)
    // Not a run of zeros or of one value: it stands for compiled firmware.
    expect(new Set(a).size).toBeGreaterThan(200)
  })
})
