/** Port: structured logs. Fields must never carry secrets or prompt text. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, quiet CLI runs). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** One JSON object per line on stdout/stderr: what CloudWatch and `jq` read best. */
export function createJsonLogger(base: Record<string, unknown> = {}): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    const line = JSON.stringify({ level, message, ...base, ...fields });
    if (level === 'error') console.error(line);
    else console.log(line);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
