import { describeMatrix } from './matrix.ts'

describeMatrix('console')
