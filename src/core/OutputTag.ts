/**
 * Output tags name side outputs: a second (third, …) stream that an operator emits beside
 * its main output, in-band, without changing the main output's type.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Names a side output and fixes the type of its values. Two tags are the same side output
 * when their ids are equal (as in Flink), so a tag re-created with the same id after a
 * restart selects the same values.
 *
 * @example
 * import * as ds from 'rx-datastream'
 *
 * interface Click { user: string; ts: number }
 * const late = new ds.OutputTag<Click>('late-clicks')
 * // later: results$.pipe(ds.sideOutput(late)) is a DataStream<Click>
 *
 * @category side-output
 * @since 0.1.0
 */
export class OutputTag<T> {
  /** Phantom field carrying the value type; never set at run time. */
  declare readonly _value: T

  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError(`OutputTag: the id must be a non-empty string, got ${String(id)}`)
    }
  }

  /** Whether `other` names the same side output. */
  equals(other: OutputTag<unknown>): boolean {
    return other.id === this.id
  }

  toString(): string {
    return `OutputTag(${this.id})`
  }
}
