import { describeMatrix } from './matrix.ts'

describeMatrix('jobs')
