/**
 * V3 5.3-4B on the device: automatic updates are on once initialization is done with the user's
 * consent. Where the profile can give the answers (a device operation, a lab command or an
 * operator), the device is reset and initialized twice: declining, then consenting; the consent
 * run is what the verdict rests on, the declining run tells the assessor whether the question
 * decides anything. Where it cannot, only a device that is on straight after a reset passes.
 */
import type { UpdateSettings } from '../../../core/dut.ts'
import type { FunctionalInput, Observation } from '../../../harness/functional.ts'
import { consentAtInitialization } from '../consent.ts'
import { identifyWhenBack } from './deliver.ts'
import { given, need } from './preconditions.ts'
import type { Session } from './session.ts'
import { judgeDefault } from './settings.ts'

type Answer = 'consent-automatic-updates' | 'decline-automatic-updates'

interface Initialized {
  settings: UpdateSettings
  evidence: string[]
}

/** A factory reset, the user's answer to the consent question, and the settings it left. */
async function initialize(s: Session, answer: Answer): Promise<Initialized> {
  const mark = s.evidence.mark()
  await s.act('factory-reset')
  if (s.dut.supports('identify')) await identifyWhenBack(s)
  await s.act(answer)
  const settings = await s.dut.readSettings()
  return { settings, evidence: s.evidence.since(mark).map((e) => e.id) }
}

const state = (on: boolean | undefined) => (on === undefined ? 'not reported' : on ? 'on' : 'off')

export async function judgeConsent(s: Session, input: FunctionalInput): Promise<Observation> {
  const asked = consentAtInitialization(input.assessment.ixit['26-UserDec'])
  return s.once('consent-at-initialization', async () => {
    const answers = s.supportsAction('factory-reset') && s.supportsAction('consent-automatic-updates')
    if (!answers) return withoutConsent(s, asked?.id)
    // Declining first leaves the device consented, the state the experiments after this one expect.
    const declined = s.supportsAction('decline-automatic-updates') ? await initialize(s, 'decline-automatic-updates') : undefined
    const consented = await initialize(s, 'consent-automatic-updates')
    const evidence = [...(declined?.evidence ?? []), ...consented.evidence]
    const on = consented.settings.automaticUpdates
    if (!on) {
      return given([need('reported', on !== undefined, 'read-settings does not report automatic updates')], {
        verdict: 'FAIL',
        reason: 'automatic updates are off after an initialization in which the user consented to them',
        evidence,
      })
    }
    if (declined?.settings.automaticUpdates === true)
      return {
        verdict: 'INCONCLUSIVE',
        reason:
          'assessor review: automatic updates are on after an initialization in which the user consented, and also after one in which the user declined: does the device ask for consent at all?',
        evidence,
      }
    const also = declined ? `; declining left them ${state(declined.settings.automaticUpdates)}` : ''
    return { verdict: 'PASS', reason: `automatic updates are on after an initialization in which the user consented${also}`, evidence }
  })
}

/**
 * No way to answer the consent question: on after a factory reset passes. Off is a FAIL only where
 * the IXIT says initialization asks nothing; where it asks, the state before the answer proves nothing.
 */
async function withoutConsent(s: Session, askedBy: string | undefined): Promise<Observation> {
  const found = await judgeDefault(s, 'automatic-updates')
  if (found.verdict !== 'FAIL') return found
  if (askedBy)
    return {
      ...found,
      verdict: 'INCONCLUSIVE',
      reason: `${found.reason}, and initialization asks for consent (${askedBy}), which the profile cannot give: declare bench.consent-automatic-updates (an operation, a command or a manual step)`,
    }
  return { ...found, reason: `${found.reason}, and the IXIT documents no consent asked during initialization` }
}
