/**
 * A run over four test groups that between them use every verdict, every verdict source,
 * per-entry targets, assessor records, evidence refs, durations, every run-level field (observed
 * identity, findings, attacks, files) and reasons that XML and terminals find awkward (quotes,
 * markup characters, newlines, umlauts, `]]>`, text that looks like our own placeholders or
 * elements).
 */
import type { RunResults, UnitResult } from '../../core/verdict.ts'

export const AWKWARD_FAIL = `Update signature uses "SHA-1" <deprecated> & 'RSA-1024';\nsee Prüfbericht §4: Ärger über Öffnung & Schlüssel`
export const AWKWARD_INCONCLUSIVE = 'DUT did not answer within 30 s: ]]> and again ]]> then </system-out><skipped/>'
export const AWKWARD_NOT_APPLICABLE = 'Not applicable: the DUT has no "automatic" updates <UpdMech-1 & UpdMech-2>\nsecond line: Größe'
export const PLACEHOLDER_LOOKALIKE = 'ts701-placeholder-00000000-0000-0000-0000-000000000000-0 <skipped/>'

/** A run of one group and one case holding `units`, every run-level field at its plainest. */
export function oneCaseRun(units: UnitResult[], over: Partial<RunResults> = {}): RunResults {
  return {
    standard: 'en303645-v3.1.3',
    standardTitle: 'EN 303 645 V3.1.3 / TS 103 701 V2.1.1',
    dut: 'DUT: TS701-REF-1',
    startedAt: '2026-11-20T09:00:00.000Z',
    finishedAt: '2026-11-20T09:01:00.000Z',
    conceptualOnly: true,
    findings: [],
    attacks: [],
    files: [],
    groups: [
      {
        id: '5.3-7',
        provision: '5.3-7',
        status: 'M F(g)',
        title: 'Best-practice cryptography',
        verdict: 'PASS',
        cases: [{ id: '5.3-7-1', kind: 'conceptual', verdict: 'PASS', units }],
      },
    ],
    ...over,
  }
}

export function sampleResults(): RunResults {
  return {
    standard: 'en303645-v3.1.3',
    standardTitle: 'EN 303 645 V3.1.3 / TS 103 701 V2.1.1',
    dut: 'Wärmepumpe "Kühl & Co" <WP-7>',
    observedDut: { model: 'WP-7', version: '4.2.0', source: 'the identify operation' },
    startedAt: '2025-11-26T09:17:03.120Z',
    finishedAt: '2025-11-26T09:19:44.010Z',
    conceptualOnly: false,
    findings: [
      {
        severity: 'warning',
        code: 'decision-not-applied',
        file: 'decisions.yaml',
        line: 4,
        column: 5,
        message: 'decision for 5.3-7-1c [UpdMech-2] not applied: the rule decided FAIL',
      },
    ],
    attacks: [{ name: 'payload-byte', kind: 'bit-flip', description: 'one payload byte flipped', sha256: 'a'.repeat(64) }],
    files: [{ path: 'evidence/exchanges.jsonl', kind: 'evidence' }],
    groups: [
      {
        id: '5.3-1',
        provision: '5.3-1',
        status: 'R',
        title: 'Mechanism to update software securely',
        verdict: 'PASS',
        cases: [
          {
            id: '5.3-1-1',
            kind: 'conceptual',
            verdict: 'PASS',
            units: [
              {
                id: '5.3-1-1a',
                target: 'UpdMech-1',
                verdict: 'PASS',
                reason: 'Mechanism described',
                source: 'rule',
                reads: ['1-UpdMech.description'],
                durationMs: 1500,
              },
              {
                id: '5.3-1-1a',
                target: 'UpdMech-2',
                verdict: 'PASS',
                reason: 'Mechanism described',
                source: 'rule',
                reads: ['1-UpdMech.description'],
              },
            ],
          },
        ],
      },
      {
        id: '5.3-7',
        provision: '5.3-7',
        status: 'M C(12)',
        title: 'Best-practice cryptography for updates',
        verdict: 'FAIL',
        cases: [
          {
            id: '5.3-7-1',
            kind: 'conceptual',
            verdict: 'FAIL',
            units: [
              {
                id: '5.3-7-1a',
                verdict: 'PASS',
                reason: 'Crypto details given',
                source: 'rule',
                reads: ['7-UpdMech.cryptographicDetails'],
              },
              {
                id: '5.3-7-1c',
                target: 'UpdMech-2',
                verdict: 'FAIL',
                reason: AWKWARD_FAIL,
                source: 'rule',
                reads: ['7-UpdMech.cryptographicDetails', '7-UpdMech.algorithms'],
              },
            ],
          },
          {
            id: '5.3-7-2',
            kind: 'functional',
            verdict: 'INCONCLUSIVE',
            units: [
              {
                id: '5.3-7-2a',
                target: 'UpdMech-1',
                verdict: 'INCONCLUSIVE',
                reason: AWKWARD_INCONCLUSIVE,
                source: 'observed',
                reads: ['7-UpdMech.cryptographicDetails'],
                evidence: ['evidence/5.3-7-2a/capture.pcap', 'evidence/5.3-7-2a/log.txt'],
                durationMs: 30_250,
              },
            ],
          },
        ],
      },
      {
        id: '5.3-8',
        provision: '5.3-8',
        status: 'M C(12)',
        title: 'Security updates are timely',
        verdict: 'INCONCLUSIVE',
        cases: [
          {
            id: '5.3-8-1',
            kind: 'conceptual',
            verdict: 'INCONCLUSIVE',
            units: [
              {
                id: '5.3-8-1a',
                verdict: 'PASS',
                reason: 'Assessor accepted the disclosure timeline',
                source: 'assessor',
                reads: ['8-UpdProc.timeliness'],
                assessor: { name: "Jörg O'Brien", date: '2025-11-20' },
              },
              { id: '5.3-8-1b', verdict: 'INCONCLUSIVE', reason: PLACEHOLDER_LOOKALIKE, source: 'rule', reads: [] },
            ],
          },
        ],
      },
      {
        id: '5.3-16',
        provision: '5.3-16',
        status: 'M C(9)',
        title: 'Model designation recognisable',
        verdict: 'NOT APPLICABLE',
        reason: 'Condition 9 does not hold',
        cases: [
          {
            id: '5.3-16-1',
            kind: 'conceptual',
            verdict: 'NOT APPLICABLE',
            units: [
              {
                id: '5.3-16-1a',
                target: 'UpdMech-1',
                verdict: 'NOT APPLICABLE',
                reason: AWKWARD_NOT_APPLICABLE,
                source: 'rule',
                reads: ['16-Dev.model'],
              },
              { id: '5.3-16-1b', verdict: 'NOT APPLICABLE', reason: 'Condition 9 does not hold', source: 'rule', reads: ['16-Dev.model'] },
            ],
          },
        ],
      },
    ],
  }
}
