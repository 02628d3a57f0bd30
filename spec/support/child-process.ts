/**
 * A Node script run as a child process that a spec may kill with SIGKILL at any moment, as a
 * crash would: the crash specs of spec/node and spec/examples run their jobs and writers so.
 * Only whole lines of its standard output are seen: a line cut by the kill does not count.
 */
import { type ChildProcess, spawn } from 'node:child_process'

/** How a run of the child ended. */
export interface ChildEnd {
  /** It was killed with SIGKILL (by the spec), rather than exiting by itself. */
  readonly killed: boolean
  /** Its exit code, when it exited by itself. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Everything it wrote to standard error. */
  readonly stderr: string
}

/** A child process being run. */
export interface Child {
  /** Resolves when it has ended, however it ended; rejects only if it could not be started. */
  readonly ended: Promise<ChildEnd>
  /** Kills it with SIGKILL, if it still runs. */
  kill(): void
  /** Whether it still runs. */
  readonly running: boolean
}

/**
 * Runs `node script ...args`; `onLine` hears each whole line of its standard output as it comes
 * (with the child, to kill it from there).
 */
export function runNode(script: string, args: readonly string[], onLine: (line: string, child: Child) => void = () => {}): Child {
  const process_: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const child: Child = {
    ended: new Promise((resolve, reject) => {
      let stderr = ''
      process_.stderr!.setEncoding('utf8')
      process_.stderr!.on('data', (chunk: string) => void (stderr += chunk))
      process_.on('error', reject)
      process_.on('close', (code, signal) => resolve({ killed: signal === 'SIGKILL', code, signal, stderr }))
    }),
    kill: () => {
      if (child.running) process_.kill('SIGKILL')
    },
    get running() {
      return process_.exitCode === null && process_.signalCode === null
    }
  }
  let pending = ''
  process_.stdout!.setEncoding('utf8')
  process_.stdout!.on('data', (chunk: string) => {
    pending += chunk
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end)
      pending = pending.slice(end + 1)
      onLine(line, child)
    }
  })
  return child
}
