/** What every AWS SDK v3 service error carries, read without depending on a service's error classes. */
export interface AwsErrorFacts {
  /** The error's name (`NoSuchKey`, `ConditionalCheckFailedException`, …), or `Error`. */
  readonly name: string;
  /** HTTP status of the response, when there was one. */
  readonly status: number | undefined;
  readonly message: string;
}

/** Read the name, HTTP status and message of an error thrown by an AWS SDK v3 client. */
export function awsErrorFacts(error: unknown): AwsErrorFacts {
  if (!(error instanceof Error)) return { name: 'Error', status: undefined, message: String(error) };
  const metadata: unknown = Reflect.get(error, '$metadata');
  const status =
    typeof metadata === 'object' && metadata !== null ? Reflect.get(metadata, 'httpStatusCode') : undefined;
  return {
    name: error.name,
    status: typeof status === 'number' ? status : undefined,
    message: error.message,
  };
}

/** Whether a failure is worth retrying later: throttling, a server error or no response at all. */
export function isTransientAwsError(facts: AwsErrorFacts): boolean {
  return (
    facts.status === undefined ||
    facts.status === 429 ||
    facts.status >= 500 ||
    /Throttl|SlowDown/.test(facts.name)
  );
}
