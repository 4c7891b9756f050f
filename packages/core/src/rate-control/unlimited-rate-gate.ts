import type { AcquireRequest, AcquireResult, LeaseReport, RateGate, ReportResult } from '../ports/rate-gate';
import type { RateGateSettings } from './rate-gate-settings';

/** How late a start of the unlimited gate may be used: any time (it paces nothing). */
const ANY_TIME_MS = Number.MAX_SAFE_INTEGER;

/**
 * The gate of an endpoint configured to set no limit at all (`RateGateSettings.unlimited`: a
 * self-hosted server): while none of this process's calls has been refused with 429, every acquire,
 * report and release is answered here, without a round trip to the gate's store — slots up to
 * `inFlightCap` and starts at once, as many as asked. The first 429 reported hands this holder over to
 * `inner` for good (that report included), which learns the limit as it does for unknown limits.
 *
 * What that costs: the shared gate sees none of the calls made before (its counts and `summary.json`'s
 * `rate_gate` show only what came after), and each process switches on its own first 429, not on
 * another's. Meant for endpoints that truly have no limit; an endpoint with one, even unknown, wants
 * `auto`, where the gate paces from the start.
 */
export function createUnlimitedRateGate(inner: RateGate, settings: RateGateSettings): RateGate {
  let switched = false;
  /** Each local lease, by lease id. */
  const leases = new Map<string, { slots: number; expiresAt: number }>();
  const leaseIdOf = (holder: string): string => `unlimited:${holder}`;
  const refused = (report: LeaseReport): boolean =>
    report.outcomes.some((outcome) => outcome.kind === 'rate_limited');
  const handOver = (): void => {
    switched = true;
    leases.clear();
  };
  /** The local lease id is unknown to `inner`, which treats it as none. */
  const forInner = <T extends LeaseReport>(report: T): T =>
    report.leaseId?.startsWith('unlimited:') === true ? { ...report, leaseId: null } : report;

  return {
    key: inner.key,
    acquire: async (request: AcquireRequest): Promise<AcquireResult> => {
      if (!switched && refused(request)) handOver();
      if (switched) return inner.acquire(forInner(request));
      const id = leaseIdOf(request.holder);
      const held = leases.get(id)?.slots ?? 0;
      const lease = {
        slots: Math.min(settings.inFlightCap, held + request.want.slots),
        expiresAt: request.holdUntil,
      };
      leases.set(id, lease);
      return {
        lease: { id, ...lease },
        starts: Array.from({ length: request.want.requests }, () => 0),
        spacingMs: 0,
        graceMs: ANY_TIME_MS,
        wait: null,
        pausedUntil: null,
      };
    },
    report: async (report: LeaseReport): Promise<ReportResult> => {
      if (!switched && refused(report)) handOver();
      if (switched) return inner.report(forInner(report));
      const id = leaseIdOf(report.holder);
      const lease = leases.get(id);
      if (lease === undefined) return { lease: null, pausedUntil: null };
      lease.slots = Math.max(report.inUse, lease.slots - (report.returnSlots ?? 0));
      return { lease: { id, ...lease }, pausedUntil: null };
    },
    release: async (report: LeaseReport): Promise<ReportResult> => {
      if (!switched && refused(report)) handOver();
      if (switched) return inner.release(forInner(report));
      leases.delete(leaseIdOf(report.holder));
      return { lease: null, pausedUntil: null };
    },
    snapshot: () => inner.snapshot(),
  };
}
