/** Prints one plain closing line ("miniprogram: N passed, N failed, N skipped") after Jest's own summary. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    process.stdout.write(`miniprogram: ${results.numPassedTests} passed, ${results.numFailedTests} failed`
      + `${skipped ? `, ${skipped} skipped` : ''}\n`)
  }
}
module.exports = SummaryReporter
