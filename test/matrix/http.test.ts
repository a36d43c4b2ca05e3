import { describeMatrix } from './matrix.ts'

describeMatrix('http')
