/**
 * MQTT topic names and filters (MQTT 3.1.1 §4.7): what the loader checks in a profile and what
 * the MQTT adapter uses to route incoming messages to the exchanges waiting for them.
 */

const MAX_BYTES = 65_535

/** Why `topic` cannot be published to, or undefined when it can. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'a topic must not be empty'
  if (topic.includes('\u0000')) return 'a topic must not contain the NUL character'
  if (Buffer.byteLength(topic) > MAX_BYTES) return `a topic is at most ${MAX_BYTES} bytes long`
  if (/[+#]/.test(topic))
    return `"${topic}" contains a wildcard (+ or #); messages are published to a topic name, wildcards belong in reply topic filters`
  return undefined
}

/** Why `filter` is no valid topic filter, or undefined when it is one. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter must not be empty'
  if (filter.includes('\u0000')) return 'a topic filter must not contain the NUL character'
  if (Buffer.byteLength(filter) > MAX_BYTES) return `a topic filter is at most ${MAX_BYTES} bytes long`
  const levels = filter.split('/')
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `"${filter}" is no valid topic filter: # must stand alone as the last level (e.g. devices/#)`
    }
    if (level.includes('+') && level !== '+') {
      return `"${filter}" is no valid topic filter: + must stand alone for one whole level (e.g. devices/+/state)`
    }
  }
  return undefined
}

/** Whether a message on `topic` is delivered to a subscription with `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  // Wildcards at the first level do not match topics starting with $ (§4.7.2).
  if (topic.startsWith('$') && /^[+#]/.test(filter)) return false
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return true
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}
