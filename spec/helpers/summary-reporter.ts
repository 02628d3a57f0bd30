/**
 * Prints one plain closing line when jasmine is done, after jasmine's own report:
 *
 * ```text
 * 123 passed, 0 failed
 * 120 passed, 1 failed, 2 skipped
 * ```
 *
 * Specs are counted by status: `passed`; `failed`; `pending`, `excluded` and `notApplicable`
 * are skipped (`, N skipped` is printed only when N > 0). A failure outside any spec (in a
 * `beforeAll`/`afterAll`, or an error jasmine reports globally, e.g. an unhandled rejection
 * or a spec file that does not load) counts as one more failure, so that the line never says
 * `0 failed` for a run that failed.
 *
 * Jasmine's default reporter is registered before helpers load, so this line comes last.
 */
const counts = { passed: 0, failed: 0, skipped: 0 }

const reporter: jasmine.CustomReporter = {
  specDone(result: jasmine.SpecResult): void {
    if (result.status === 'passed') counts.passed++
    else if (result.status === 'failed') counts.failed++
    else counts.skipped++
  },
  suiteDone(result: jasmine.SuiteResult): void {
    if (result.failedExpectations.length > 0) counts.failed++
  },
  jasmineDone(info: jasmine.JasmineDoneInfo): void {
    if (info.failedExpectations.length > 0) counts.failed++
    const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''
    process.stdout.write(`${counts.passed} passed, ${counts.failed} failed${skipped}\n`)
  }
}

jasmine.getEnv().addReporter(reporter)
