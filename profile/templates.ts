/**
 * `{{…}}` placeholders of request templates. The loader checks that a template only uses the
 * placeholders its operation fills; the HTTP adapter fills them.
 */

/** What deliver-image fills from the image under test and the emulator's image URL. */
export const IMAGE_PLACEHOLDERS = ['image.url', 'image.version', 'image.sha256', 'image.size', 'image.name'] as const

export type ImagePlaceholder = (typeof IMAGE_PLACEHOLDERS)[number]

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

/** The placeholder names a text uses, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '')
}

/** Replaces each placeholder by `value(name)`; a name `value` does not know is left to `unknown`. */
export function fillPlaceholders(text: string, value: (name: string) => string | undefined, unknown: (name: string) => never): string {
  return text.replace(PLACEHOLDER, (_, name: string) => value(name) ?? unknown(name))
}
