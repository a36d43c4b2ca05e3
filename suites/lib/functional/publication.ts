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

/** A login, sign-in or registration step as a whole word of a URL (`/authors/` is not `auth`). */
const LOGIN =
  /(?:^|[/?#&=._-])(?:log[-_]?in|sign[-_]?in|sign[-_]?on|sso|accounts?|register|registration|auth|oauth2?|authorize)(?=$|[/?#&=._-])/i
const PASSWORD_FORM = /<input[^>]+type=["']?password/i

const ok = (status: number): boolean => status >= 200 && status < 300

const redirects = (n: number): string => (n === 1 ? '1 redirect' : `${n} redirects`)

/** The answer with the redirects that led to it, for reasons. */
function answered(f: { page: WebPage; url: string }): string {
  const { page } = f
  if (page.hops.length < 2) return `${f.url} answered ${page.status}`
  const chain = page.hops.map((h) => h.url.replace(/#.*$/, '')).join(' → ')
  return `${f.url} answered ${page.status} after ${redirects(page.hops.length - 1)} (${chain})`
}

/** A redirect on the way that points at a login or registration page. */
function loginRedirect(page: WebPage): string | undefined {
  return page.hops.find((h) => h.location !== undefined && LOGIN.test(h.location))?.location
}

/**
 * Why no publication content was served, or nothing when a page was: a judge of what the page
 * says has nothing to judge on a login wall, an error or a broken redirect chain.
 */
function unserved(f: { page: WebPage; url: string }): string | undefined {
  const { page } = f
  const login = loginRedirect(page)
  if (login !== undefined) return `${f.url} redirects to ${login}, a login or registration page`
  if (page.stopped) return `${f.url}: ${page.stopped.reason}`
  if (page.status === 401 || page.status === 403) return `${answered(f)}: it asks for an account`
  if (!ok(page.status)) return answered(f)
  if (PASSWORD_FORM.test(page.text)) return `${f.url} shows a password form instead of the publication`
  return undefined
}

/** 5.3-13-2a, 5.3-14-2a: the publication is where the IXIT says; PASS only on a page actually read. */
export function judgeReachable(f: Fetched): Observation {
  if ('problem' in f) return f.problem
  const { page } = f
  const evidence = page.evidence
  const login = loginRedirect(page) !== undefined || (ok(page.status) && PASSWORD_FORM.test(page.text))
  if (login || page.status === 401 || page.status === 403)
    return {
      verdict: 'INCONCLUSIVE',
      reason: `${unserved(f)}; the publication behind it was not seen (the access unit judges the restriction)`,
      evidence,
    }
  if (page.stopped) return { verdict: 'INCONCLUSIVE', reason: `${f.url}: ${page.stopped.reason}; no page was read`, evidence }
  if (ok(page.status)) return { verdict: 'PASS', reason: answered(f), evidence }
  if (page.status === 404 || page.status === 410)
    return { verdict: 'FAIL', reason: `${answered(f)}: the publication is not where the IXIT says`, evidence }
  return { verdict: 'INCONCLUSIVE', reason: `${answered(f)}; whether the publication is there could not be judged`, evidence }
}

/** 5.3-13-2b, 5.3-14-2b: no account or registration stands before the publication. */
export function judgeUnrestricted(f: Fetched): Observation {
  if ('problem' in f) return f.problem
  const { page } = f
  const evidence = page.evidence
  // A redirect to a login page is itself the finding, wherever the chain went afterwards.
  const login = loginRedirect(page)
  if (login !== undefined) return { verdict: 'FAIL', reason: `${f.url} redirects to ${login}: it requires registration or login`, evidence }
  if (page.stopped) return { verdict: 'INCONCLUSIVE', reason: `${f.url}: ${page.stopped.reason}; access could not be judged`, evidence }
  if (page.status === 401 || page.status === 403) return { verdict: 'FAIL', reason: `${answered(f)}: it requires an account`, evidence }
  if (ok(page.status) && PASSWORD_FORM.test(page.text))
    return { verdict: 'FAIL', reason: `${f.url} shows a password form instead of the publication`, evidence }
  if (ok(page.status)) return { verdict: 'PASS', reason: `${f.url} was read without credentials`, evidence }
  return { verdict: 'INCONCLUSIVE', reason: `${answered(f)}; access could not be judged`, evidence }
}

/**
 * What a judge of the page's content may work on: the text of a publication actually served and
 * read whole; otherwise INCONCLUSIVE naming why (never FAIL: a page not seen states nothing).
 */
function content(f: Fetched, what: string): { text: string; evidence: string[] } | { open: Observation } {
  if ('problem' in f) return { open: f.problem }
  const evidence = f.page.evidence
  const why = unserved(f)
  if (why !== undefined)
    return {
      open: { verdict: 'INCONCLUSIVE', reason: `the publication was not served (${why}); whether it ${what} could not be seen`, evidence },
    }
  if (f.page.truncated)
    return {
      open: {
        verdict: 'INCONCLUSIVE',
        reason: `page larger than the limit: ${f.url} was cut after the first ${f.page.bytes} bytes; whether it ${what} needs the whole page (assessor review)`,
        review: true,
        evidence,
      },
    }
  return { text: f.page.text, evidence }
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
  const read = content(f, 'states the support period')
  if ('open' in read) return read.open
  const text = plain(read.text)
  const evidence = read.evidence
  const forms = info.facts.supportEnds ? dateForms(info.facts.supportEnds) : (info.supportPeriod.match(/\b20\d\d\b/g) ?? [])
  if (forms.length === 0)
    return {
      verdict: 'INCONCLUSIVE',
      reason: `${info.id} states no date or year to look for; assessor review of the page`,
      review: true,
      evidence,
    }
  const found = forms.find((form) => text.toLowerCase().includes(form.toLowerCase()))
  return found
    ? { verdict: 'PASS', reason: `the publication states the support period ("${found}")`, evidence }
    : {
        verdict: 'FAIL',
        reason: `the publication does not state the support period (looked for ${forms.slice(0, 2).join(' / ')})`,
        evidence,
      }
}

/**
 * A question about the content of a publication actually served, for the assessor (5.3-14-2c/2d):
 * `what` completes "does <url> …?".
 */
export function judgeContentReview(f: Fetched, what: string): Observation {
  const read = content(f, what)
  if ('open' in read) return read.open
  const url = 'problem' in f ? '' : f.url
  return { verdict: 'INCONCLUSIVE', reason: `assessor review: does ${url} ${what}?`, review: true, evidence: read.evidence }
}
