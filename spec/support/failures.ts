/** The message of what `run` throws; fails the spec when it throws nothing. */
export function failureOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(Error)
    return error instanceof Error ? error.message : String(error)
  }
  fail('expected the test to fail, but it passed')
  return ''
}
