// How the app talks to the inference process, whatever started it: Electron's utilityProcess in the app,
// child_process.fork under the browser host and the CLI. Messages are plain structured-clone objects.

export interface WorkerHandle {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process is gone; `signal` is set when it was killed (SIGKILL, a native abort). */
  onExit(listener: (info: { code: number | null; signal: string | null }) => void): void;
  kill(): void;
}

export type SpawnWorker = () => WorkerHandle;
