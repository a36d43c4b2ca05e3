/**
 * Writes profile/dut.schema.json, the DUT profile schema editors read through `$schema`, from
 * the common part and the registered channels (`npm run schema`). test/profile/registry.test.ts
 * fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CHANNELS } from '../adapters/registry.ts'
import { PROFILE_SCHEMA_FILE, profileSchemaText } from '../profile/schema.ts'

writeFileSync(PROFILE_SCHEMA_FILE, profileSchemaText(CHANNELS))
console.log(`wrote ${fileURLToPath(PROFILE_SCHEMA_FILE)} (channels: ${CHANNELS.map((c) => c.kind).join(', ')})`)
