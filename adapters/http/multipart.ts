/**
 * A multipart/form-data body with one file field, streamed: the preamble, the image file as it
 * is read, the epilogue. Its length is known up front, so the request carries an exact
 * Content-Length and the image is never held in memory.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { ImageSource } from '../../core/dut.ts'
import type { RequestBody } from './transport.ts'

export interface MultipartBody {
  contentType: string
  body: RequestBody
}

export function multipartBody(image: ImageSource, field: string, fileType = 'application/octet-stream'): MultipartBody {
  const boundary = `----ts701-${randomBytes(12).toString('hex')}`
  const preamble = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${quote(field)}"; filename="${quote(image.name)}"\r\n` +
      `Content-Type: ${fileType}\r\n\r\n`,
  )
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`)
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: {
      kind: 'stream',
      length: preamble.length + image.size + epilogue.length,
      open: () => Readable.from(parts(preamble, image.path, epilogue)),
    },
  }
}

async function* parts(preamble: Buffer, path: string, epilogue: Buffer): AsyncGenerator<Buffer> {
  yield preamble
  const file = createReadStream(path)
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) yield chunk
  } finally {
    file.destroy()
  }
  yield epilogue
}

/** Quotes, CR and LF in field and file names, escaped the way browsers do. */
function quote(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}
