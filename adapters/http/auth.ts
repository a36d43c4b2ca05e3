/**
 * Credentials from the environment variables `adapter.auth` names, read when a request is made
 * (a missing variable makes that operation fail, not the profile). Every value read is handed to
 * the masker before it is used, so it can be masked wherever it turns up.
 */
import type { HttpAdapterConfig } from './profile.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import type { Masker } from '../../core/mask.ts'

export function authHeaders(
  auth: HttpAdapterConfig['auth'],
  env: NodeJS.ProcessEnv,
  masker: Masker,
  op: Operation,
): Record<string, string> {
  if (!auth) return {}
  const read = (name: string, field: string): string => {
    const value = env[name]
    if (value === undefined || value === '') {
      throw new DutError('E_DUT_REFUSED', op, `credentials missing: set the environment variable ${name} (named by adapter.auth.${field})`)
    }
    masker.addSecret(value)
    return value
  }
  switch (auth.kind) {
    case 'basic': {
      const password = read(auth.passwordEnv, 'passwordEnv')
      const token = Buffer.from(`${auth.username}:${password}`).toString('base64')
      masker.addSecret(token)
      return { authorization: `Basic ${token}` }
    }
    case 'bearer':
      return { authorization: `Bearer ${read(auth.tokenEnv, 'tokenEnv')}` }
    case 'header':
      masker.addHeader(auth.name)
      return { [auth.name.toLowerCase()]: read(auth.valueEnv, 'valueEnv') }
  }
}
