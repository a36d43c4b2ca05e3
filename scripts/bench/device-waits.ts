/**
 * The waits a run cannot avoid because the device imposes them, read from a run's evidence:
 * - the observation window a check watch declares (`check-timeline`: window ÷ time scale);
 * - the time the device took to answer again after each restart, reset or restore (`ready`);
 * - each installation: from the device's image download to the harness withdrawing the offer,
 *   which it does once the device has reported the outcome.
 * A run that waits for nothing else takes about their sum, which is the full run's yardstick.
 */
export interface DeviceWaits {
  windowMs: number
  readyMs: number
  installMs: number
  totalMs: number
}

interface Record {
  time: string
  summary: string
  detail?: {
    event?: string
    readyMs?: number
    windowSeconds?: number
    timeScale?: number
    route?: string
    status?: number
    image?: string
    path?: string
  }
}

export function deviceWaits(evidence: string): DeviceWaits {
  const records = evidence
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record)
  let windowMs = 0
  let readyMs = 0
  let installMs = 0
  const downloading = new Map<string, number>()
  for (const r of records) {
    const d = r.detail ?? {}
    const at = Date.parse(r.time)
    if (d.event === 'check-timeline' && d.windowSeconds && d.timeScale) windowMs += (d.windowSeconds * 1000) / d.timeScale
    if (d.event === 'ready' && typeof d.readyMs === 'number') readyMs += d.readyMs
    if (d.route === 'image' && d.status === 200 && d.path) {
      const image = d.path.split('/').at(-1)!
      if (!downloading.has(image)) downloading.set(image, at)
    }
    if (d.event === 'withdraw' && d.image && downloading.has(d.image)) {
      installMs += at - downloading.get(d.image)!
      downloading.delete(d.image)
    }
  }
  return { windowMs, readyMs, installMs, totalMs: windowMs + readyMs + installMs }
}
