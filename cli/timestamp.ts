/** Now, as a folder name that sorts by time and holds no character a file system refuses (`:`). */
export function timestamp(): string {
  return new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-')
}
