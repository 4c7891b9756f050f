// The simulator's public surface. Everything else under src/ is internal. Test helpers for driving the
// simulator live in the test kit, `@thinkbatch/testing`.
export { CLI_HELP, type CliCommand, DEFAULT_CLI_PORT, parseCliArgs } from './cli/cli-args';
export type { SimulatorClock } from './clock';
export { LABELLING_MARKERS, labellingAnswerText } from './completion/labelling-answer';
export { answerForPrompt, answerText, type PromptAnswer } from './completion/prompt-answer';
export { promptKey, promptTextOf, type SimulatedMessage } from './completion/prompt-key';
export {
  REASONING_SHAPES,
  type ReasoningShape,
  type SimulatedUsage,
  type TokenDistribution,
} from './completion/r1-response';
export { CHARS_PER_TOKEN, estimateTokens } from './completion/token-count';
export {
  FAULT_NAMES,
  type Fault,
  type FaultContext,
  type FaultName,
  type FaultPlan,
  type FaultRates,
  type FaultSpec,
  faultLabel,
  type PromptFaultRule,
  RETRY_AFTER_FORMATS,
  type RetryAfterFormat,
  resolveFault,
} from './faults/fault';
export {
  CUSTOM_ID_HEADER,
  LEDGER_PATH,
  type RunningSimulator,
  STATS_PATH,
  startSimulator,
} from './http/server';
export {
  createTokenLedger,
  DEFAULT_LEDGER_LIMIT,
  LEDGER_OUTCOMES,
  type LedgerEntry,
  type LedgerOutcome,
  type LedgerSnapshot,
  type TokenLedger,
} from './ledger/token-ledger';
export type { LatencyOptions } from './limits/latency';
export type { EndpointLimits, LimitPhase, LimitStep } from './limits/limit-schedule';
export { CONCURRENCY_RETRY_AFTER_MS, type RateLimitReason } from './limits/rate-limiter';
export { admissionTokens } from './limits/token-charge';
export type { LoadBucket, LoadStats, PhaseLoad, RateLimitCounts, WindowPeaks } from './load-stats';
export {
  REALISTIC_R1_OPTIONS,
  type ResolvedSimulatorOptions,
  resolveSimulatorOptions,
  type SimulatorOptions,
} from './simulator-options';
export {
  createStatsRecorder,
  type SimulatorStats,
  type StatsRecorder,
  type StatsRecorderOptions,
} from './simulator-stats';
