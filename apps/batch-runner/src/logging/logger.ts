export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

/** Structured logging: one event per call, named by a short `msg`, with fields. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the job id, or an insecure host key warning). */
  child(fields: LogFields): Logger;
}

// Field names whose values are never written, whatever a caller passes by mistake.
const SECRET_FIELD = /pass(word|phrase)?|secret|token|private.?key|authorization|api.?key/i;

/** Writes one JSON object per line (to stderr by default), secrets redacted. */
export function createJsonLogger(options: {
  write?: (line: string) => void;
  level?: LogLevel;
  base?: LogFields;
  now?: () => Date;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const threshold = LEVELS[options.level ?? "info"];
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (LEVELS[level] < threshold) return;
      const line = { time: now().toISOString(), level, msg, ...base, ...redact(fields ?? {}) };
      write(`${JSON.stringify(line)}\n`);
    };
    return {
      debug: (msg, fields) => emit("debug", msg, fields),
      info: (msg, fields) => emit("info", msg, fields),
      warn: (msg, fields) => emit("warn", msg, fields),
      error: (msg, fields) => emit("error", msg, fields),
      child: (fields) => make({ ...base, ...redact(fields) }),
    };
  };
  return make(options.base ?? {});
}

/** A logger that drops everything (a CLI command printing to a TTY uses a progress bar instead). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_FIELD.test(key) ? "[redacted]" : value instanceof Error ? value.message : value;
  }
  return out;
}
