/**
 * A large IXIT for the lint benchmark: the reference assessment with its network update mechanism
 * repeated until there are `count` mechanisms, each served by a software component of its own, as
 * a supplier of a device family with many updatable parts would write it.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseDocument } from 'yaml'

interface Entry {
  id: string
  [field: string]: unknown
}

export async function writeLargeAssessment(from: string, to: string, count: number): Promise<{ lines: number }> {
  await mkdir(to, { recursive: true })
  for (const doc of ['ics.yaml', 'decisions.yaml']) await copyFile(join(from, doc), join(to, doc))
  const ixit = parseDocument(await readFile(join(from, 'ixit.yaml'), 'utf8')).toJS() as Record<string, Entry[] | string>
  delete ixit.$schema
  const mechanisms = ixit['7-UpdMech'] as Entry[]
  const components = ixit['6-SoftComp'] as Entry[]
  const template = mechanisms.find((m) => m.id === 'UpdMech-Network') ?? mechanisms[0]!
  const componentTemplate = components.find((c) => Array.isArray(c.updateMechanisms) && c.updateMechanisms.length) ?? components[0]!
  for (let i = mechanisms.length; i < count; i++) {
    const id = `UpdMech-Part${i}`
    mechanisms.push({ ...structuredClone(template), id })
    components.push({ ...structuredClone(componentTemplate), id: `SoftComp-Part${i}`, updateMechanisms: [id] })
  }
  const { stringify } = await import('yaml')
  const text = stringify(ixit, { lineWidth: 100 })
  await writeFile(join(to, 'ixit.yaml'), text)
  return { lines: text.split('\n').length }
}
