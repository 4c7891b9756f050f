import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

/** The only address the emulators listen on: nothing outside this machine can reach them. */
export const EMULATOR_HOST = '127.0.0.1';

/** Options of {@link startEmulators}. */
export interface StartEmulatorsOptions {
  /**
   * Keep state on disk under this directory (`fauxqs/` for S3 and SQS in SQLite, `dynamodb/` for LevelDB),
   * so it survives a restart. @default undefined (state in memory, gone on stop)
   */
  readonly dataDir?: string;
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

async function startDynalite(path: string | undefined): Promise<Server> {
  if (path !== undefined) await mkdir(path, { recursive: true });
  const server = dynalite({
    ...(path === undefined ? {} : { path }),
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
  const { dataDir } = options;
  const fauxqsDir = dataDir === undefined ? undefined : join(dataDir, 'fauxqs');
  if (fauxqsDir !== undefined) await mkdir(fauxqsDir, { recursive: true });
  const fauxqs = await startFauxqs({
    port: 0,
    logger: false,
    ...(fauxqsDir === undefined ? {} : { dataDir: fauxqsDir }),
  });
  let dynamo: Server;
  try {
    dynamo = await startDynalite(dataDir === undefined ? undefined : join(dataDir, 'dynamodb'));
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
