import { fetchPage, WebFetchError, type WebPage } from '../../../adapters/web.ts'
import type { Observation } from '../../../harness/functional.ts'
import type { Publication, UserInfo } from '../../../ixit/types.ts'
import type { Session } from './session.ts'

export type Which = 'support-period' | 'non-updatable'

const URL_IN_TEXT = /https?:\/\/[^\s"'<>)]+/

/** Where the IXIT says the publication is: the structured fact, else the first URL in the prose. */
function describedUrl(info: UserInfo, which: Which): string | undefined {
  const fact: Publication | undefined =
    which === 'support-period' ? info.facts.supportPeriodPublication : info.facts.nonUpdatablePublication
  const prose = which === 'support-period' ? info.publicationOfSupportPeriod : info.publicationOfNonUpdatable
  return fact?.url ?? URL_IN_TEXT.exec(prose)?.[0]?.replace(/[.,;]$/, '')
}

function rewrite(s: Session, url: string): string {
  const rule = s.profile.publications.find((p) => url.startsWith(p.from))
  return rule ? rule.to + url.slice(rule.from.length) : url
}

export type Fetched = { page: WebPage; url: string } | { problem: Observation }

/** Fetches the publication once per run; unreachable or non-loopback gives INCONCLUSIVE. */
export function publication(s: Session, info: UserInfo, which: Which): Promise<Fetched> {
  return s.once(`publication:${which}:${info.id}`, async (): Promise<Fetched> => {
    const described = describedUrl(info, which)
    if (!described)
      return {
        problem: {
          verdict: 'INCONCLUSIVE',
          reason: `${info.id} names no web address for the publication; check the described way by hand`,
        },
      }
    const url = rewrite(s, described)
    try {
      return { page: await fetchPage(url, s.evidence), url }
    } catch (err) {
      if (err instanceof WebFetchError) return { problem: { verdict: 'INCONCLUSIVE', reason: err.message } }
      throw err
    }
  })
}

const LOGIN = /login|log-in|signin|sign-in|account|register|auth/i

export function judgeReachable(f: Fetched): Observation {
  if ('problem' in f) return f.problem
  const { page } = f
  if (page.status >= 200 && page.status < 300)
    return { verdict: 'PASS', reason: `${f.url} answered ${page.status}`, evidence: [page.evidence] }
  if (page.status >= 300 && page.status < 400)
    return { verdict: 'PASS', reason: `${f.url} answered ${page.status}, redirecting to ${page.location}`, evidence: [page.evidence] }
  return {
    verdict: 'FAIL',
    reason: `${f.url} answered ${page.status}: the publication is not where the IXIT says`,
    evidence: [page.evidence],
  }
}

export function judgeUnrestricted(f: Fetched): Observation {
  if ('problem' in f) return f.problem
  const { page } = f
  const evidence = [page.evidence]
  if (page.status === 401 || page.status === 403)
    return { verdict: 'FAIL', reason: `${f.url} answered ${page.status}: it requires an account`, evidence }
  if (page.location && LOGIN.test(page.location))
    return { verdict: 'FAIL', reason: `${f.url} redirects to ${page.location}: it requires registration or login`, evidence }
  if (page.status >= 200 && page.status < 300 && !/<input[^>]+type=["']?password/i.test(page.text)) {
    return { verdict: 'PASS', reason: `${f.url} was read without credentials`, evidence }
  }
  if (page.status >= 200 && page.status < 300)
    return { verdict: 'FAIL', reason: `${f.url} shows a password form instead of the publication`, evidence }
  return { verdict: 'INCONCLUSIVE', reason: `${f.url} answered ${page.status}; access could not be judged`, evidence }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** Ways a publication may write the end date the IXIT states. */
function dateForms(iso: string): string[] {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number]
  const dd = String(d).padStart(2, '0')
  const mm = String(m).padStart(2, '0')
  return [iso, `${d} ${MONTHS[m - 1]} ${y}`, `${MONTHS[m - 1]} ${d}, ${y}`, `${dd}.${mm}.${y}`, `${dd}/${mm}/${y}`, `${mm}/${dd}/${y}`]
}

function plain(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
}

/** The publication states the support period the IXIT gives (its end date, or failing that its year). */
export function judgeStatesPeriod(f: Fetched, info: UserInfo): Observation {
  if ('problem' in f) return f.problem
  const text = plain(f.page.text)
  const evidence = [f.page.evidence]
  const forms = info.facts.supportEnds ? dateForms(info.facts.supportEnds) : (info.supportPeriod.match(/\b20\d\d\b/g) ?? [])
  if (forms.length === 0)
    return { verdict: 'INCONCLUSIVE', reason: `${info.id} states no date or year to look for; assessor review of the page`, evidence }
  const found = forms.find((form) => text.toLowerCase().includes(form.toLowerCase()))
  return found
    ? { verdict: 'PASS', reason: `the publication states the support period ("${found}")`, evidence }
    : {
        verdict: 'FAIL',
        reason: `the publication does not state the support period (looked for ${forms.slice(0, 2).join(' / ')})`,
        evidence,
      }
}
