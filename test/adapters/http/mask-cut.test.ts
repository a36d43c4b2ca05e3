import { describe, expect, it } from 'vitest'
import { dutFor, fakeDevice, json, profile, rejection } from './helpers.ts'

/** Any piece of the secret of 3 characters or more, from its start or its end. */
function leaked(text: string, secret: string): string | undefined {
  for (let n = secret.length; n >= 3; n--) {
    for (const piece of [secret.slice(0, n), secret.slice(-n)]) if (text.includes(piece)) return piece
  }
  return undefined
}

describe('a device echoing its credential across the cut of a quote', () => {
  it('leaves no piece of it in the error or the evidence', async () => {
    const secret = 'cut-across-t0ken-value'
    // `{"echo":"` is 9 characters: the error's excerpt cuts at 160, the evidence's at 300.
    for (const at of [150, 290]) {
      const device = await fakeDevice((req, res) => {
        if (req.headers.authorization !== `Bearer ${secret}`) return json(res, 401, { error: 'no' })
        json(res, 200, { echo: `${'x'.repeat(at - 9)}${req.headers.authorization}` })
      })
      const p = profile(
        device.url,
        {
          identify: {
            request: { method: 'GET', path: '/api/info' },
            extract: { model: { pointer: '/model' }, version: { pointer: '/v' } },
          },
        },
        { auth: { kind: 'bearer', tokenEnv: 'DUT_TOKEN' } },
      )
      const { dut, entries } = dutFor(p, { DUT_TOKEN: secret })
      const err = await rejection(dut.identify())
      // The error's quote reaches the secret only at the first cut; there it shows the mask's start.
      if (at < 160) expect(err.message).toMatch(/finds nothing in \{"echo":"x+Bearer \*/)
      expect(leaked(err.message, secret)).toBeUndefined()
      const evidence = JSON.stringify(entries())
      expect(evidence).toContain('responseExcerpt')
      expect(leaked(evidence, secret)).toBeUndefined()
    }
  })
})
