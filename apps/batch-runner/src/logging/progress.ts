import type { Logger } from "./logger.ts";

/** What an import reports as it goes; the CLI draws it as a bar on a TTY, and long files log it. */
export interface ImportProgress {
  /** The file's name, for the bar. */
  file: string;
  /** Its path on the server, as log lines name files. */
  path: string;
  /** rows: rows are written; profiles: the store sink writes the file's profiles, part by part. */
  phase: "download" | "decrypt" | "rows" | "profiles";
  /**
   * How far the phase is: download and decrypt in bytes of the file as listed; rows and profiles
   * in bytes of its plaintext (profiles: the share of parts written).
   */
  bytesDone: number;
  bytesTotal: number;
  rows: number;
  filesDone: number;
  filesTotal: number;
}

const BAR_WIDTH = 24;

/** Renders one progress line: file, phase, bytes and rows. */
export function renderProgress(progress: ImportProgress): string {
  const ratio = progress.bytesTotal > 0 ? Math.min(1, progress.bytesDone / progress.bytesTotal) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
  const bytes = `${megabytes(progress.bytesDone)}/${megabytes(progress.bytesTotal)} MB`;
  const rows = `${progress.rows.toLocaleString("en-US")} rows`;
  return `[${bar}] ${progress.filesDone + 1}/${progress.filesTotal} ${progress.file} ${progress.phase} ${bytes} ${rows}`;
}

/** A bar redrawn in place on a TTY stream, at most every 100 ms. */
export function createProgressBar(stream: NodeJS.WriteStream): {
  update(progress: ImportProgress): void;
  done(): void;
} {
  let last = 0;
  let drawn = false;
  return {
    update(progress) {
      const at = Date.now();
      if (at - last < 100) return;
      last = at;
      drawn = true;
      // A terminal that does not say its width reports 0 columns (under `script`, say).
      const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 120;
      const line = renderProgress(progress).slice(0, Math.max(20, columns - 1));
      stream.write(`\r\x1b[2K${line}`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[2K");
    },
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

/** How often a long file's progress is logged (`file progress`): the first line this long after its start. */
export const PROGRESS_LOG_MS = 15_000;

/**
 * Logs a file's progress every `everyMs` while it lasts, for runs without a progress bar (cron,
 * `start`, a log collector): a file done sooner logs no such line, only its start and end.
 */
export function progressLog(
  logger: Logger,
  everyMs = PROGRESS_LOG_MS,
  now: () => number = Date.now,
): (progress: ImportProgress) => void {
  let file: string | undefined;
  let last = 0;
  return (progress) => {
    const at = now();
    if (progress.path !== file) {
      file = progress.path;
      last = at;
      return;
    }
    if (at - last < everyMs) return;
    last = at;
    const { phase, bytesDone, bytesTotal, rows } = progress;
    const percent = bytesTotal > 0 ? Math.round((100 * Math.min(bytesDone, bytesTotal)) / bytesTotal) : 0;
    logger.info("file progress", { file, phase, percent, bytesDone, bytesTotal, rows });
  };
}
