/**
 * The dashboard's results in IndexedDB, through idb-keyval: one entry per result key
 * (dashboardJob.ts's `resultKey`), written by an upsert sink at each checkpoint's barrier. A
 * restored job writes the results after its checkpoint again, with the same keys: after any
 * number of reloads the table holds what one uninterrupted run leaves.
 */
import type * as IdbKeyval from 'idb-keyval' with { 'resolution-mode': 'import' }
import * as ds from 'rx-datastream'
import type { PvUvResult } from '../pvuv/job'
import { resultKey } from './dashboardJob'

/** The results table of one database: idb-keyval and its store, loaded on first use (idb-keyval is an ES module only). */
export interface ResultsTable {
  readonly dbName: string
  readonly ready: Promise<{ readonly idb: typeof IdbKeyval; readonly store: IdbKeyval.UseStore }>
}

/** The results table of database `dbName`. */
export function resultsTable(dbName: string): ResultsTable {
  return { dbName, ready: import('idb-keyval').then(idb => ({ idb, store: idb.createStore(dbName, 'results') })) }
}

/** The sink that upserts the job's results into `table`. */
export function resultsSink(table: ResultsTable): ds.TransactionalSink<PvUvResult, number> {
  return ds.upsertSink<PvUvResult, string>({
    key: resultKey,
    // One IndexedDB transaction per checkpoint: the checkpoint completes once it has committed.
    upsert: async rows => {
      const { idb, store } = await table.ready
      await idb.setMany([...rows], store)
    }
  })
}

/** Every result in the table, by key. */
export async function readResults(table: ResultsTable): Promise<Map<string, PvUvResult>> {
  const { idb, store } = await table.ready
  return new Map(await idb.entries<string, PvUvResult>(store))
}
