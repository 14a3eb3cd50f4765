/**
 * Sessions Stripe is still checking (`processing`) can be neither redacted nor put in a job. A run
 * that must not leave personal data behind (BulkRedaction) waits for them: it lists their range
 * again every poll interval (100 a request, as the re-check does) until each can be redacted, has
 * left the filter, or the timeout passes; what is still processing then is reported as such and
 * the caller fails the run.
 */
import type { CompiledFilter } from "../filter";
import { planSession } from "../plan";
import type { SessionOutcome } from "../report";
import type { WaitSettings } from "../wait";
import type { Candidate } from "./decide";
import { pause, relist, type StepContext } from "./steps";

export async function waitForChecks(
  ctx: StepContext, filter: CompiledFilter, checking: readonly Candidate[], settings: WaitSettings,
): Promise<{ ready: Candidate[]; outcomes: SessionOutcome[] }> {
  const started = ctx.now();
  const ready: Candidate[] = [];
  const outcomes: SessionOutcome[] = [];
  let waiting = [...checking];
  while (waiting.length > 0 && !ctx.signal?.aborted) {
    const seen = await relist(ctx, filter, waiting);
    const still: Candidate[] = [];
    for (const candidate of waiting) {
      const now = seen.get(candidate.id);
      if (!now || !filter.matches(now)) {
        outcomes.push({ id: candidate.id, result: "skipped", reason: "no_longer_matches" });
        continue;
      }
      const decision = planSession("redact", now);
      if (decision.kind === "act") ready.push({ id: now.id, status: now.status, created: now.created });
      else if (decision.reason === "processing") still.push(candidate);
      else outcomes.push({ id: candidate.id, result: "skipped", reason: decision.reason });
    }
    waiting = still;
    if (waiting.length === 0 || ctx.now() - started >= settings.timeoutMs) break;
    await pause(ctx, settings.pollIntervalMs);
  }
  // Stopped (Ctrl-C) while waiting: those left are not handled; a timeout: still processing.
  if (!ctx.signal?.aborted) for (const { id } of waiting) outcomes.push({ id, result: "skipped", reason: "processing" });
  return { ready, outcomes };
}
