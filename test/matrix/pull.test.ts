import { describeMatrix } from './matrix.ts'

describeMatrix('pull')
