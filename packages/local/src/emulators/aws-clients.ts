import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Emulators } from './start-emulators';

/** SDK clients pointed at the emulators. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Close the clients' connection pools. */
  destroy(): void;
}

/** What {@link createAwsClients} needs: the endpoints, region and credentials of running emulators. */
export type EmulatorEndpoints = Pick<
  Emulators,
  's3Endpoint' | 'sqsEndpoint' | 'dynamodbEndpoint' | 'region' | 'credentials'
>;

/**
 * Build S3, SQS and DynamoDB clients for the emulators: path-style S3 (no bucket subdomains), and an explicit
 * SQS endpoint, because the queue URLs fauxqs hands out use a host name that does not resolve here. S3
 * checksums only where an operation requires one: the SDK's default CRC32 of every body (and of every
 * object read) guards a network path that is loopback here, and cost about 1 % of the embedded runtime's
 * CPU (BENCHMARKS.md, `scale-cpu-notes`). Requests stay signed (SigV4) and go over HTTP as on AWS.
 */
/**
 * Sign S3 requests without hashing their bodies (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, which the SigV4
 * signer then takes as the payload hash). Over plain HTTP the SDK hashes every uploaded byte (SHA-256) and
 * the empty body of every GET — ~4 % of a finalize's CPU here (BENCHMARKS.md, `edges-3-notes`) — to guard a
 * loopback socket. The AWS clients (`packages/functions`) keep the SDK's defaults: HTTPS, CRC32 checksums.
 */
function signWithoutPayloadHash(s3: S3Client): void {
  s3.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers !== undefined) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'localUnsignedPayload' },
  );
}

export function createAwsClients(endpoints: EmulatorEndpoints): AwsClients {
  const common = { region: endpoints.region, credentials: { ...endpoints.credentials } };
  const s3 = new S3Client({
    ...common,
    endpoint: endpoints.s3Endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  signWithoutPayloadHash(s3);
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqsEndpoint });
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodbEndpoint });
  return {
    s3,
    sqs,
    dynamodb,
    destroy: () => {
      s3.destroy();
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}
