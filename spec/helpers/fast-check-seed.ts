/**
 * One fast-check seed for the whole run, printed first, so that a property that fails once (on
 * CI, say) can be replayed with the same generated values:
 *
 * ```text
 * fast-check seed: 1234567
 * ```
 *
 * `FC_SEED=1234567 npm test` (or the same variable before jasmine on the compiled specs) runs
 * every `fc.assert` with that seed; without `FC_SEED` a fresh seed is drawn each run, so runs
 * keep exploring new inputs. Each `fc.assert` starts from the seed on its own, so the replay
 * does not depend on jasmine's random spec order. A property that passes its own `seed` keeps
 * it (fast-check lets local parameters override global ones).
 */
import fc from 'fast-check'

/** The seed FC_SEED asks for, or a fresh one; a malformed FC_SEED is an error, not a silent random run. */
function chooseSeed(requested: string | undefined): number {
  if (requested === undefined || requested.trim() === '') return Math.floor(Math.random() * 2 ** 31)
  const seed = Number(requested)
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(requested)}`)
  return seed
}

const seed = chooseSeed(process.env['FC_SEED'])
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed })
process.stdout.write(`fast-check seed: ${seed}\n`)
