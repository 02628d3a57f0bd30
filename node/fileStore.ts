/**
 * The checkpoint store on the file system (Flink's `FileSystemCheckpointStorage`): checkpoints
 * that outlive the process, written so that a crash at any moment never leaves a listed
 * checkpoint whose data is torn or missing.
 *
 * ```text
 * <dir>/
 *   job-clicks/                         one folder per job (its id escaped: jobFolderName)
 *     3.manifest.json                   checkpoint 3: its metadata and the name of its data file
 *     3.lq2x8k-1f3a-0-9c1e0b.data       checkpoint 3's text, exactly as it was put
 *     4.manifest.json
 *     4.lq2x9a-1f3a-1-77d0aa.data
 *     5.lq2x9c-1f3a-2-0b3e41.data.tmp   a put in progress, or one that died: ignored
 *     6.chunks/0.json                   chunks of checkpoint 6 (putChunk), before its manifest
 * ```
 *
 * A checkpoint exists once its manifest does: `put` writes the data file first (to a temporary
 * name, fsync, rename), the manifest last (the same way), so every manifest names a data file
 * that is already whole on disk. Files that no manifest names are leftovers of a put that died;
 * `list` and `get` never see them and the next `put` of the job removes them.
 *
 * Node-only: import it from `rx-datastream/node`.
 *
 * @since 0.1.0
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as t from 'io-ts'
import { checkChunkArguments, CheckpointStoreError, type CheckpointStore, checkPutArguments, checkStoreArguments, missingChunk, type StoredCheckpoint } from '../src/checkpoint/CheckpointStore'
import { describeErrors } from '../src/state/snapshotFormat'

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A {@link CheckpointStore} in a directory: checkpoints survive the process, and a crash
 * (even a power loss) at any moment never leaves a listed checkpoint with torn or missing
 * data.
 *
 * <span class="informal">Write to a temporary file, fsync, rename; the manifest last.</span>
 *
 * - `dir` is created on the first `put` (with its parents). Each job gets a folder in it; each
 *   checkpoint a data file and a small manifest (`<id>.manifest.json`: its metadata and the
 *   data file's name). `list` reads the manifests only.
 * - `put` writes the data to a temporary file, fsyncs and renames it to a name of its own,
 *   then writes the manifest the same way, last, and fsyncs the folder. Putting an id again
 *   writes a new data file and renames a new manifest over the old one before the old data
 *   file goes, so a reader sees the old checkpoint or the new one, never a mix.
 * - `get` returns exactly the text that was put (any string, lone surrogates included).
 * - A damaged manifest (not JSON, or not one of this store's) is left out of `list`; `get` of
 *   its id rejects, saying it is damaged. A data file shorter or longer than its manifest says
 *   is damaged too. What is *inside* the text is the job's to check (its header has a checksum).
 * - Chunks (`putChunk`: pieces of a state too large for one text) go to `<id>.chunks/`, each
 *   written to a temporary file, fsynced and renamed, the folder fsynced, before the body's
 *   manifest can name the checkpoint. `openChunks` reads them back; `delete` removes them.
 * - Leftovers of a put that died (temporary files, data files no manifest names, chunk folders
 *   of a checkpoint without a manifest) are ignored, and removed by the next `put` of that job. Only a `put` removes them, so a process that
 *   only reads (`list`, `get`) never deletes a file another process is writing.
 * - Every failure is a {@link CheckpointStoreError} naming the store, the job and the
 *   checkpoint; an I/O failure carries the Node error as `cause` and its code (`EACCES`,
 *   `ENOSPC`, …) in the message.
 *
 * One process writes a job's checkpoints at a time (the job that owns them); calls of that
 * process may overlap freely, even across several `fileStore`s over the same directory. Other
 * processes may read at any time.
 *
 * ## Example
 *
 * ```ts
 * import * as ds from 'rx-datastream'
 * import { fileStore } from 'rx-datastream/node'
 *
 * const store = fileStore('state/checkpoints')
 * await store.put({ jobId: 'clicks', checkpointId: 1, timestamp: Date.now(), kind: 'checkpoint' }, 'data')
 * console.log(await store.list('clicks')) // [{ jobId: 'clicks', checkpointId: 1, …, size: 4 }]
 *
 * // A process started later, over the same directory, finds it.
 * console.log(await fileStore('state/checkpoints').get('clicks', 1)) // 'data'
 *
 * await store.get('clicks', 9).catch((e: ds.CheckpointStoreError) => console.log(e.message))
 * // "fileStore('state/checkpoints'): job 'clicks' has no checkpoint 9"
 * ```
 *
 * @example
 * import { fileStore } from 'rx-datastream/node'
 *
 * const store = fileStore(new URL('./checkpoints/', import.meta.url))
 * const ids = (await store.list('clicks')).map(c => c.checkpointId)
 *
 * @see `memoryStore` for tests and for jobs whose checkpoints need not outlive the process.
 *
 * @param dir The directory: a path (resolved against the working directory once, when the
 *   store is made) or a `file:` URL.
 * @returns A store whose `description` is `fileStore('<dir as given>')`.
 *
 * @category checkpoints
 * @since 0.1.0
 */
export function fileStore(dir: string | URL): CheckpointStore {
  if (typeof dir === 'string' ? dir === '' : !(dir instanceof URL)) {
    throw new TypeError(`fileStore: the directory must be a non-empty path or a file: URL, not ${typeof dir === 'string' ? "''" : String(dir)}`)
  }
  const description = `fileStore('${typeof dir === 'string' ? dir : dir.href}')`
  // Resolved now: a later process.chdir does not move the store.
  const root = resolve(typeof dir === 'string' ? dir : fileURLToPath(dir))

  const folderOf = (jobId: string): string => {
    const name = jobFolderName(jobId)
    if (name === undefined) throw new CheckpointStoreError(description, jobId, undefined, `the job id ${JSON.stringify(jobId)} is not well-formed Unicode (it holds a lone surrogate), so it cannot name a folder`)
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
      throw new CheckpointStoreError(description, jobId, undefined, `the job id '${jobId}' is too long for a folder name (${Buffer.byteLength(name)} bytes escaped, at most ${MAX_NAME_BYTES})`)
    }
    return join(root, name)
  }
  const ioError = (jobId: string, checkpointId: number | undefined, doing: string, cause: unknown): CheckpointStoreError =>
    new CheckpointStoreError(description, jobId, checkpointId, `cannot ${doing}: ${ioDetail(cause)}`, { cause })
  const damaged = (jobId: string, checkpointId: number, detail: string): CheckpointStoreError =>
    new CheckpointStoreError(description, jobId, checkpointId, `checkpoint ${checkpointId} of job '${jobId}' is damaged: ${detail}`)

  /** The manifest of a checkpoint, `undefined` if there is none, or what is wrong with it. */
  const readManifest = async (folder: string, jobId: string, checkpointId: number): Promise<Manifest | string | undefined> => {
    let text: string
    try {
      text = await readFile(join(folder, manifestName(checkpointId)), 'utf8')
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined
      throw ioError(jobId, checkpointId, `read the manifest of checkpoint ${checkpointId} of job '${jobId}'`, error)
    }
    return parseManifest(text, jobId, checkpointId)
  }

  return {
    description,

    put: async (checkpoint, data) => {
      const { jobId, checkpointId } = checkpoint
      checkPutArguments(description, checkpoint, data)
      const problem = metadataProblem(checkpoint)
      if (problem !== undefined) throw new CheckpointStoreError(description, jobId, checkpointId, `cannot store checkpoint ${checkpointId} of job '${jobId}': ${problem}`)
      const folder = folderOf(jobId)
      const unique = uniqueSuffix()
      const dataName = `${checkpointId}.${unique}.data`
      const encoding: Encoding = isWellFormed(data) ? 'utf8' : 'utf16le'
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        version: MANIFEST_VERSION,
        checkpoint: storedCheckpoint({ ...checkpoint, size: data.length }),
        data: dataName,
        encoding
      }
      await serially(folder, async () => {
        try {
          await makeFolder(folder)
          await writeDurably(folder, dataName, `${dataName}.tmp`, Buffer.from(data, encoding))
          // The data file's name is on disk before a manifest can name it: without this, a
          // power loss could keep the manifest's rename and lose the data file's.
          await syncFolder(folder)
        } catch (error) {
          await removeQuietly(folder, dataName)
          throw ioError(jobId, checkpointId, `write checkpoint ${checkpointId} of job '${jobId}' in ${folder}`, error)
        }
        try {
          await writeDurably(folder, manifestName(checkpointId), `${manifestName(checkpointId)}.${unique}.tmp`, Buffer.from(JSON.stringify(manifest), 'utf8'))
        } catch (error) {
          await removeQuietly(folder, dataName)
          throw ioError(jobId, checkpointId, `write the manifest of checkpoint ${checkpointId} of job '${jobId}' in ${folder}`, error)
        }
        try {
          await syncFolder(folder)
        } catch (error) {
          // The manifest is in place and names whole data, so the data file stays: the
          // checkpoint may be listed although its put failed, but it is never torn.
          throw ioError(jobId, checkpointId, `make checkpoint ${checkpointId} of job '${jobId}' durable in ${folder}`, error)
        }
        // The checkpoint is stored: what follows only tidies, and a failure there must not
        // tell the job that this checkpoint failed (the next put tries again).
        await tidy(folder, jobId, checkpointId, dataName).catch(() => undefined)
      })
    },

    get: async (jobId, checkpointId) => {
      checkStoreArguments(description, jobId, checkpointId)
      const folder = folderOf(jobId)
      // A put replacing this id removes the old data file right after renaming the new
      // manifest into place: a read that falls in between finds the new one when it reads the
      // manifest again.
      for (let attempt = 1; ; attempt++) {
        const manifest = await readManifest(folder, jobId, checkpointId)
        if (manifest === undefined) throw new CheckpointStoreError(description, jobId, checkpointId, `job '${jobId}' has no checkpoint ${checkpointId}`)
        if (typeof manifest === 'string') throw damaged(jobId, checkpointId, `its manifest ${join(folder, manifestName(checkpointId))} ${manifest}`)
        let bytes: Buffer
        try {
          bytes = await readFile(join(folder, manifest.data))
        } catch (error) {
          if (errorCode(error) !== 'ENOENT') throw ioError(jobId, checkpointId, `read checkpoint ${checkpointId} of job '${jobId}'`, error)
          if (attempt < READ_ATTEMPTS) continue
          throw damaged(jobId, checkpointId, `its data file ${join(folder, manifest.data)} is missing`)
        }
        const text = bytes.toString(manifest.encoding)
        if (text.length !== manifest.checkpoint.size) {
          throw damaged(jobId, checkpointId, `its data file ${join(folder, manifest.data)} holds ${text.length} characters where its manifest says ${manifest.checkpoint.size}`)
        }
        return text
      }
    },

    list: async jobId => {
      checkStoreArguments(description, jobId)
      const folder = folderOf(jobId)
      let names: string[]
      try {
        names = await readdir(folder)
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return []
        throw ioError(jobId, undefined, `list the checkpoints of job '${jobId}' in ${folder}`, error)
      }
      const ids = names.flatMap(name => {
        const id = manifestId(name)
        return id === undefined ? [] : [id]
      })
      // In batches: a job with thousands of savepoints must not open thousands of files at once.
      const manifests: Array<Manifest | string | undefined> = []
      for (let i = 0; i < ids.length; i += LIST_BATCH) {
        manifests.push(...(await Promise.all(ids.slice(i, i + LIST_BATCH).map(id => readManifest(folder, jobId, id)))))
      }
      // A damaged manifest is left out rather than failing the whole list: the other
      // checkpoints stay usable, and `get` of that id says what is wrong.
      return manifests
        .flatMap(manifest => (manifest === undefined || typeof manifest === 'string' ? [] : [storedCheckpoint(manifest.checkpoint)]))
        .sort((a, b) => a.checkpointId - b.checkpointId)
    },

    delete: async (jobId, checkpointId) => {
      checkStoreArguments(description, jobId, checkpointId)
      const folder = folderOf(jobId)
      await serially(folder, async () => {
        // The manifest first: once it is gone the checkpoint is, and a crash before the data
        // file goes only leaves a leftover that the next put removes.
        try {
          await unlink(join(folder, manifestName(checkpointId)))
          await syncFolder(folder)
        } catch (error) {
          if (errorCode(error) !== 'ENOENT') {
            throw ioError(jobId, checkpointId, `delete checkpoint ${checkpointId} of job '${jobId}'`, error)
          }
        }
        const names = await readdir(folder).catch((): string[] => [])
        await Promise.all(names.filter(name => dataFileId(name) === checkpointId).map(name => removeQuietly(folder, name)))
        await rm(join(folder, chunksName(checkpointId)), { recursive: true, force: true }).catch(() => undefined)
      })
    },
    putChunk: async (checkpoint, n, data) => {
      const { jobId, checkpointId } = checkpoint
      checkChunkArguments(description, checkpoint, n, data)
      const folder = folderOf(jobId)
      const chunks = join(folder, chunksName(checkpointId))
      const encoding: Encoding = isWellFormed(data) ? 'utf8' : 'utf16le'
      const name = chunkName(n, encoding)
      await serially(folder, async () => {
        try {
          await makeFolder(chunks)
          // Written as the other encoding before (a put of the same id again): that one goes.
          await removeQuietly(chunks, chunkName(n, encoding === 'utf8' ? 'utf16le' : 'utf8'))
          await writeDurably(chunks, name, `${name}.${uniqueSuffix()}.tmp`, Buffer.from(data, encoding))
          // Its name is on disk before the body's manifest can name the checkpoint.
          await syncFolder(chunks)
        } catch (error) {
          throw ioError(jobId, checkpointId, `write chunk ${n} of checkpoint ${checkpointId} of job '${jobId}' in ${chunks}`, error)
        }
      })
    },
    openChunks: async (jobId, checkpointId) => {
      checkStoreArguments(description, jobId, checkpointId)
      const folder = folderOf(jobId)
      const manifest = await readManifest(folder, jobId, checkpointId)
      if (manifest === undefined) throw new CheckpointStoreError(description, jobId, checkpointId, `job '${jobId}' has no checkpoint ${checkpointId}`)
      const chunks = join(folder, chunksName(checkpointId))
      return {
        read: n => {
          for (const encoding of ['utf8', 'utf16le'] as const) {
            const path = join(chunks, chunkName(n, encoding))
            try {
              return readFileSync(path).toString(encoding)
            } catch (error) {
              if (errorCode(error) !== 'ENOENT') throw ioError(jobId, checkpointId, `read chunk ${n} of checkpoint ${checkpointId} of job '${jobId}' (${path})`, error)
            }
          }
          throw missingChunk(description, jobId, checkpointId, n)
        }
      }
    }
  }
}

// -------------------------------------------------------------------------------------
// layout
// -------------------------------------------------------------------------------------

/**
 * @internal
 * The folder name of a job: `job-` and the id escaped so that any id is a valid, distinct
 * file name everywhere. `encodeURIComponent`, then also the characters it leaves that a file
 * system would mind: upper case letters (on a case-insensitive file system `A` and `a` would
 * share a folder), `.` (the ids `.` and `..`), and `! ~ * ' ( )`. The prefix keeps names such
 * as `con` or `nul`, reserved on Windows, out. Reversed by {@link jobIdOfFolder}; `undefined`
 * for an id with a lone surrogate, which no file name can hold.
 */
export function jobFolderName(jobId: string): string | undefined {
  let escaped: string
  try {
    escaped = encodeURIComponent(jobId)
  } catch {
    return undefined
  }
  return `job-${escaped.replace(/%[0-9A-F]{2}|[A-Z.!~*'()]/g, c => (c.length === 3 ? c : `%${c.charCodeAt(0).toString(16).toUpperCase()}`))}`
}

/** @internal The job id of a folder named by {@link jobFolderName}, `undefined` for another name. */
export function jobIdOfFolder(name: string): string | undefined {
  if (!/^job-(?:[a-z0-9_-]|%[0-9A-F]{2})+$/.test(name)) return undefined
  try {
    return decodeURIComponent(name.slice('job-'.length))
  } catch {
    return undefined
  }
}

/** How often `get` reads a manifest again when its data file was just replaced. */
const READ_ATTEMPTS = 3

/** How many manifests `list` reads at once. */
const LIST_BATCH = 64

/** Most file systems refuse longer names (ext4, APFS, NTFS: 255). */
const MAX_NAME_BYTES = 255

const manifestName = (checkpointId: number): string => `${checkpointId}.manifest.json`

const manifestId = (name: string): number | undefined => {
  const m = /^([1-9][0-9]*)\.manifest\.json$/.exec(name)
  return m === null ? undefined : Number(m[1])
}

/** The folder of a checkpoint's chunks, and a chunk's file in it (its encoding in its extension). */
const chunksName = (checkpointId: number): string => `${checkpointId}.chunks`
const chunkName = (n: number, encoding: Encoding): string => `${n}.${encoding === 'utf8' ? 'json' : 'utf16'}`
const chunksId = (name: string): number | undefined => {
  const m = /^([1-9][0-9]*)\.chunks$/.exec(name)
  return m === null ? undefined : Number(m[1])
}

const DATA_FILE = /^([1-9][0-9]*)\.[0-9a-z-]+\.data$/

const dataFileId = (name: string): number | undefined => {
  const m = DATA_FILE.exec(name)
  return m === null ? undefined : Number(m[1])
}

let sequence = 0

/** Unique within the process (the sequence) and across processes (pid, time, random bits). */
const uniqueSuffix = (): string =>
  `${Date.now().toString(36)}-${process.pid.toString(36)}-${(sequence++).toString(36)}-${randomBytes(3).toString('hex')}`

// -------------------------------------------------------------------------------------
// manifest
// -------------------------------------------------------------------------------------

const MANIFEST_FORMAT = 'rx-datastream/file-store-manifest'
const MANIFEST_VERSION = 1

/** How the data file holds the text: UTF-8, or UTF-16 for text UTF-8 cannot hold exactly. */
type Encoding = 'utf8' | 'utf16le'

const ManifestCodec = /*#__PURE__*/ t.type({
  format: /*#__PURE__*/ t.literal(MANIFEST_FORMAT),
  version: /*#__PURE__*/ t.literal(MANIFEST_VERSION),
  checkpoint: /*#__PURE__*/ t.intersection([
    /*#__PURE__*/ t.type({ jobId: t.string, checkpointId: t.number, timestamp: t.number, kind: /*#__PURE__*/ t.keyof({ checkpoint: null, savepoint: null }), size: t.number }),
    /*#__PURE__*/ t.partial({ name: t.string })
  ]),
  data: t.string,
  encoding: /*#__PURE__*/ t.keyof({ utf8: null, utf16le: null })
})

type Manifest = t.TypeOf<typeof ManifestCodec>

/** The manifest in `text`, or what is wrong with it (completing "its manifest <path> …"). */
function parseManifest(text: string, jobId: string, checkpointId: number): Manifest | string {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return `is not JSON (${text.length} characters)`
  }
  const decoded = ManifestCodec.decode(json)
  if (decoded._tag === 'Left') return `is not a manifest of this store: ${describeErrors(decoded.left)}`
  const manifest = decoded.right
  if (manifest.checkpoint.jobId !== jobId || manifest.checkpoint.checkpointId !== checkpointId) {
    return `describes checkpoint ${manifest.checkpoint.checkpointId} of job '${manifest.checkpoint.jobId}' instead`
  }
  // Only a data file of this checkpoint, in this folder: a damaged manifest never leads a read
  // elsewhere.
  if (dataFileId(manifest.data) !== checkpointId) return `names the data file '${manifest.data}', not one of checkpoint ${checkpointId}`
  if (!Number.isSafeInteger(manifest.checkpoint.size) || manifest.checkpoint.size < 0) return `gives the size ${manifest.checkpoint.size}`
  return manifest
}

/** What the metadata of a put cannot be stored with, or `undefined`. */
function metadataProblem(checkpoint: Omit<StoredCheckpoint, 'size'>): string | undefined {
  // JSON would turn NaN or Infinity into null, and the manifest would no longer read back.
  if (typeof checkpoint.timestamp !== 'number' || !Number.isFinite(checkpoint.timestamp)) return `its timestamp must be a finite number, not ${String(checkpoint.timestamp)}`
  if (checkpoint.kind !== 'checkpoint' && checkpoint.kind !== 'savepoint') return `its kind must be 'checkpoint' or 'savepoint', not ${JSON.stringify(checkpoint.kind) ?? String(checkpoint.kind)}`
  if (checkpoint.name !== undefined && typeof checkpoint.name !== 'string') return `its name must be a string, not ${typeof checkpoint.name}`
  return undefined
}

/** The metadata alone, as a new object: nothing else a caller's object carries is kept. */
const storedCheckpoint = (c: StoredCheckpoint): StoredCheckpoint => ({
  jobId: c.jobId,
  checkpointId: c.checkpointId,
  timestamp: c.timestamp,
  kind: c.kind,
  ...(c.name === undefined ? {} : { name: c.name }),
  size: c.size
})

/**
 * Whether UTF-8 holds `text` exactly: it does unless `text` has a lone surrogate. Node 20's
 * `String.prototype.isWellFormed` where there is one: the regular expression took 7 ms of a
 * chunk's megabyte (a pause of the job, `putChunk` running between its steps), the built-in
 * well under one.
 */
function isWellFormed(text: string): boolean {
  // Looked up per call, not chosen once at the top level: an import must run nothing.
  const builtIn = (text as string & { isWellFormed?: () => boolean }).isWellFormed
  return typeof builtIn === 'function' ? builtIn.call(text) : !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)
}

// -------------------------------------------------------------------------------------
// file system
// -------------------------------------------------------------------------------------

/**
 * Writes `bytes` under `name` whole or not at all: into `temporary`, fsync, then rename (a
 * rename within a folder is atomic: a reader sees the old file or the new one).
 */
async function writeDurably(folder: string, name: string, temporary: string, bytes: Buffer): Promise<void> {
  const path = join(folder, temporary)
  try {
    // 'wx': the name is new; never write into a file something else has open.
    const handle = await open(path, 'wx')
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(path, join(folder, name))
  } catch (error) {
    await removeQuietly(folder, temporary)
    throw error
  }
}

/** Makes the job folder, and makes the new folders' names durable in their parents. */
async function makeFolder(folder: string): Promise<void> {
  const created = await mkdir(folder, { recursive: true })
  if (created === undefined) return
  const parents: string[] = []
  for (let at = folder; at !== created; at = dirname(at)) parents.push(dirname(at))
  parents.push(dirname(created))
  for (const parent of parents) await syncFolder(parent)
}

/** fsyncs a folder, so that the renames and removals in it survive a power loss. */
async function syncFolder(folder: string): Promise<void> {
  let handle
  try {
    handle = await open(folder, 'r')
    await handle.sync()
  } catch (error) {
    // Windows cannot open or fsync a directory; NTFS journals renames itself.
    if (process.platform === 'win32' && ['EISDIR', 'EPERM', 'EACCES'].includes(errorCode(error) ?? '')) return
    throw error
  } finally {
    await handle?.close()
  }
}

async function removeQuietly(folder: string, name: string): Promise<void> {
  await unlink(join(folder, name)).catch(() => undefined)
}

/**
 * After checkpoint `checkpointId` of `jobId` was stored as `dataName`: removes its older data
 * files, and the leftovers of puts that died (temporary files, data files no manifest names).
 * Runs inside the folder's queue, so no put of this process is writing meanwhile.
 */
async function tidy(folder: string, jobId: string, checkpointId: number, dataName: string): Promise<void> {
  const names = await readdir(folder)
  const manifests = new Set(names.flatMap(name => manifestId(name) ?? []))
  const dataFiles = new Map<number, string[]>()
  const doomed: string[] = []
  for (const name of names) {
    if (name.endsWith('.tmp')) doomed.push(name)
    const id = dataFileId(name)
    if (id !== undefined) dataFiles.set(id, [...(dataFiles.get(id) ?? []), name])
  }
  for (const [id, files] of dataFiles) {
    if (id === checkpointId) doomed.push(...files.filter(name => name !== dataName))
    else if (!manifests.has(id)) doomed.push(...files)
    else if (files.length > 1) {
      // A replace that died before removing the old data file: keep the one the manifest
      // names. With a damaged manifest keep them all, for whoever repairs it.
      const manifest = parseManifest(await readFile(join(folder, manifestName(id)), 'utf8'), jobId, id)
      if (typeof manifest !== 'string') doomed.push(...files.filter(name => name !== manifest.data))
    }
  }
  await Promise.all(doomed.map(name => removeQuietly(folder, name)))
  // Chunks of a checkpoint whose manifest never came (the process died before its body was
  // put, or the checkpoint was aborted): one job writes one checkpoint at a time, and this
  // one is stored, so no other is being written now.
  const debris = names.filter(name => chunksId(name) !== undefined && chunksId(name) !== checkpointId && !manifests.has(chunksId(name)!))
  await Promise.all(debris.map(name => rm(join(folder, name), { recursive: true, force: true }).catch(() => undefined)))
}

/**
 * The calls that change a job's folder (put, delete), one at a time per folder across every
 * fileStore of the process: tidying never removes a file a put of this process is writing,
 * and two puts of one id never remove each other's data file.
 */
const queues = new Map<string, Promise<void>>()

function serially(key: string, work: () => Promise<void>): Promise<void> {
  const result = (queues.get(key) ?? Promise.resolve()).then(work)
  const tail = result.catch(() => undefined)
  queues.set(key, tail)
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key)
  })
  return result
}

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** The Node error's message, which names the code and the path (`ENOSPC: no space left on device, write`). */
const ioDetail = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const code = errorCode(error)
  return code !== undefined && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message
}
