import { CONTROL_VARIANT, type Observation } from '../../../harness/functional.ts'
import { installed, type Attempt } from './deliver.ts'

/**
 * A fact a verdict rests on. A judge lists, for each verdict it may give, the facts that verdict
 * needs; where one was not observed the unit is INCONCLUSIVE and says which, instead of a PASS or
 * a FAIL drawn from what the device merely did not show.
 */
export interface Precondition {
  /** Short and stable, for readers of the code: `answered`, `received`, `final`, `saw-offer`, `initialized`. */
  name: string
  met: boolean
  /** The INCONCLUSIVE reason when the fact is missing: what was seen instead. */
  otherwise: string
}

export const need = (name: string, met: boolean, otherwise: string): Precondition => ({ name, met, otherwise })

/** The first precondition not met, as the unit's INCONCLUSIVE observation; undefined when all hold. */
export function unmet(preconditions: readonly Precondition[], evidence?: string[]): Observation | undefined {
  const missing = preconditions.find((p) => !p.met)
  if (!missing) return undefined
  return { verdict: 'INCONCLUSIVE', reason: missing.otherwise, ...(evidence && { evidence }) }
}

/** The verdict, once every precondition it needs holds; else the first one missing. */
export function given(preconditions: readonly Precondition[], verdict: Observation): Observation {
  return unmet(preconditions, verdict.evidence) ?? verdict
}

// --- what an attempt showed (deliver.ts) -----------------------------------------------------

/** The image in words for reasons: `the valid image`, `the payload-byte image`. */
export const imageWords = (a: Attempt): string => `the ${a.image.name === CONTROL_VARIANT ? 'valid' : a.image.name} image`

/**
 * The device demonstrably got hold of the image: it downloaded it whole from the emulator, or
 * answered the upload (an answer refusing the image counts: the device looked at it), or reported
 * an outcome or a new version after it. Without this, "still at the old version" says nothing
 * about what the device does with the image.
 */
export function received(a: Attempt): Precondition {
  const what = imageWords(a)
  switch (a.delivery) {
    case 'update-server':
      return need(
        'received',
        a.fetched === true,
        a.asked
          ? `the device never fetched ${what} (it asked the update server ${a.asks ?? 1} time(s) but did not download it)`
          : `the device never fetched ${what} (it never contacted the update server after the offer)`,
      )
    case 'url':
      return need(
        'received',
        a.fetched === true,
        `the device never fetched ${what} from the URL it was given${a.receipt?.message ? ` (it answered: ${a.receipt.message})` : ''}`,
      )
    case 'upload': {
      const answered = a.receipt?.status !== undefined || a.receipt?.accepted !== undefined
      return need(
        'received',
        answered || settled(a) || installed(a),
        `nothing shows the device received the uploaded ${what.slice(4)}${a.receipt?.message ? `: ${a.receipt.message}` : ''}`,
      )
    }
  }
}

/** The device's own report settles the attempt: a final outcome, or an upload it refused. */
export const settled = (a: Attempt): boolean =>
  a.outcome?.state === 'installed' || a.outcome?.state === 'rejected' || a.receipt?.accepted === false

/**
 * Where something reports outcomes, an unchanged version is a rejection only once the report is
 * final: "pending" or nothing at all may be an installation still under way.
 */
export function finalOutcome(a: Attempt): Precondition {
  const said = a.outcome ? `it reported ${a.outcome.state}${a.outcome.detail ? ` (${a.outcome.detail})` : ''}` : 'it reported no outcome'
  const upload = a.receipt?.message ? `; upload: ${a.receipt.message}` : ''
  return need(
    'final',
    !a.reports || settled(a),
    `the device never reported a final outcome for ${imageWords(a)} (${said}${upload}); its version is unchanged, but an installation may still be under way`,
  )
}
