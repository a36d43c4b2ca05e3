import { describeMatrix, describeServerObserved } from './matrix.ts'

describeServerObserved('pull', describeMatrix('pull'))
