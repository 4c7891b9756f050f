import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite, { type LevelDbOptions } from 'dynalite';
import { startFauxqs } from 'fauxqs';

/** The only address the emulators listen on: nothing outside this machine can reach them. */
export const EMULATOR_HOST = '127.0.0.1';

/**
 * LevelDB's options for dynalite on disk. LevelDB maps every table file its table cache holds open into the
 * process (clean file pages, but counted in RSS): with its defaults (1,000 open files of 2 MiB) that grew
 * with the job, to 1.49 GiB at 1M lines. The table cache holds `maxOpenFiles` − 10 tables, so at LevelDB's
 * minimum (74) at most 64 tables of at most `maxFileSize` (LevelDB's minimum, 1 MiB; level-0 tables are
 * memtable flushes, up to ~`writeBufferSize`) are mapped at once, however large the table grows. Block
 * cache and write buffers stay at LevelDB's defaults (8 MiB, 2 × 4 MiB: bounded, and smaller buffers mean
 * more compactions). BENCHMARKS.md, `dynalite-tune-notes`.
 */
export const DYNALITE_LEVELDB_OPTIONS: LevelDbOptions = { maxOpenFiles: 74, maxFileSize: 1024 * 1024 };

/** Options of {@link startEmulators}. */
export interface StartEmulatorsOptions {
  /**
   * Keep state on disk under this directory (`fauxqs/` for S3 and SQS in SQLite, `dynamodb/` for LevelDB),
   * so it survives a restart. @default undefined (state in memory, gone on stop)
   */
  readonly dataDir?: string;
  /** LevelDB's options when `dataDir` is given. @default DYNALITE_LEVELDB_OPTIONS */
  readonly leveldb?: LevelDbOptions;
}

/** Running local emulators of S3 + SQS (fauxqs) and DynamoDB (dynalite), in this process. */
export interface Emulators {
  readonly s3Endpoint: string;
  readonly sqsEndpoint: string;
  readonly dynamodbEndpoint: string;
  /** @default 'us-east-1' */
  readonly region: string;
  /** Dummy static credentials (the emulators do not check them, the SDK needs some). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Where each emulator listens (always {@link EMULATOR_HOST}). */
  readonly listening: { readonly fauxqs: HostPort; readonly dynamodb: HostPort };
  /** Stop both servers (closing open connections) and release their data directories. */
  stop(): Promise<void>;
}

/** A listening address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

async function startDynalite(path: string | undefined, leveldb: LevelDbOptions): Promise<Server> {
  if (path !== undefined) await mkdir(path, { recursive: true });
  const server = dynalite({
    ...(path === undefined ? {} : { path, leveldb }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, EMULATOR_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function closeDynalite(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error === undefined || error === null ? resolve() : reject(error)));
    // Idle keep-alive sockets of SDK clients would otherwise hold the close open.
    server.closeAllConnections();
  });
}

/**
 * Start fauxqs (S3 and SQS on one port) and dynalite (DynamoDB) on {@link EMULATOR_HOST}, each on a free
 * port. Both run in this process; `stop()` shuts them down.
 */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  const { dataDir, leveldb = DYNALITE_LEVELDB_OPTIONS } = options;
  const fauxqsDir = dataDir === undefined ? undefined : join(dataDir, 'fauxqs');
  if (fauxqsDir !== undefined) await mkdir(fauxqsDir, { recursive: true });
  const fauxqs = await startFauxqs({
    port: 0,
    logger: false,
    ...(fauxqsDir === undefined ? {} : { dataDir: fauxqsDir }),
  });
  let dynamo: Server;
  try {
    dynamo = await startDynalite(dataDir === undefined ? undefined : join(dataDir, 'dynamodb'), leveldb);
  } catch (error) {
    await fauxqs.stop();
    throw error;
  }
  const fauxqsUrl = new URL(fauxqs.address);
  const dynamoAddress = dynamo.address() as AddressInfo;
  const fauxqsEndpoint = `http://${EMULATOR_HOST}:${fauxqs.port}`;
  let stopped: Promise<void> | undefined;
  return {
    s3Endpoint: fauxqsEndpoint,
    sqsEndpoint: fauxqsEndpoint,
    dynamodbEndpoint: `http://${EMULATOR_HOST}:${dynamoAddress.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'thinkbatch-local', secretAccessKey: 'thinkbatch-local' },
    listening: {
      fauxqs: { host: fauxqsUrl.hostname, port: fauxqs.port },
      dynamodb: { host: dynamoAddress.address, port: dynamoAddress.port },
    },
    stop: () => {
      stopped ??= Promise.all([fauxqs.stop(), closeDynalite(dynamo)]).then(() => undefined);
      return stopped;
    },
  };
}
