import { appendFile } from 'node:fs/promises';
import type { Logger } from '@thinkbatch/core';

/**
 * Structured logs (one JSON object per line) appended to a file, so the terminal shows only what the
 * command prints. A lost log line never ends the run or the server.
 */
export function createFileLogger(path: string): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`;
    appendFile(path, line).catch(() => {});
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
