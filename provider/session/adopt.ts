/**
 * Adoption (`adoptSessionId`): manage an existing session instead of creating one, the way to adopt
 * today since `pulumi import` of a dynamic resource crashes (pulumi/pulumi#3550). Same mode as the
 * key; create-only args must match; updatable args set are applied; the up says it adopted.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ModeMismatchError, UserInputError } from "../errors";
import type { Logger } from "../log";
import { isResourceMissing } from "../stripe/errors";
import type { KeyMode } from "../stripe/keys";
import { sameValue } from "../values";
import { apiFailure, type ApiSession, type SessionApi } from "./api";
import { isUpdatable } from "./diff";
import { changedUpdatableFields, sessionAsArgs, toOutputs, updateParams } from "./mapping";
import { modeName } from "./policy";
import { CREATE_ONLY_FIELDS, type SessionArgs, type SessionOutputs } from "./schema";
import { accountName } from "./state";

export interface AdoptContext {
  api: SessionApi;
  apiKey: string;
  mode: KeyMode | undefined;
  log: Logger;
}

/** Manage an existing session: same mode as the key, create-only args must match, others applied. */
export async function adoptSession(ctx: AdoptContext, args: SessionArgs, account: string | null): Promise<pulumi.dynamic.CreateResult<SessionOutputs>> {
const { api, apiKey, mode, log } = ctx;
  const id = args.adoptSessionId as string;
  let session: ApiSession;
  try {
    session = await api.retrieve(id, args.includeReportSummary);
  } catch (error) {
    if (isResourceMissing(error)) {
      throw new UserInputError(`adoptSessionId: no VerificationSession ${id} is visible to this ${mode ?? "unknown"}-mode key in ${accountName(account)}`, { statusCode: 404 });
    }
    throw apiFailure("retrieve (adopt)", id, error, apiKey);
  }
  if (mode && modeName(session.livemode) !== mode) {
    throw new ModeMismatchError(`adoptSessionId: ${id} is a ${modeName(session.livemode)}-mode session but the key is a ${mode}-mode key`);
  }
  const existing = sessionAsArgs(session);
  if (session.type === "document" || session.type === "id_number") existing.type = session.type as "document" | "id_number";
  // return_url is never returned by the API, so it cannot be compared.
  const conflicts = CREATE_ONLY_FIELDS.filter((f) => f !== "returnUrl" && args[f] !== undefined && !sameValue(args[f], existing[f]));
  if (conflicts.length > 0) {
    throw new UserInputError(`adoptSessionId: ${id} differs in create-only fields (${conflicts.join(", ")}); match them to the session or leave them unset`);
  }
  // Only fields the user set are desired; metadata keys the user did not name are left alone.
  const baseline = { ...existing, metadata: Object.fromEntries(Object.keys(args.metadata ?? {}).map((k) => [k, existing.metadata?.[k] ?? ""])) };
  const desired = { ...baseline, ...Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) } as SessionArgs;
  const changed = changedUpdatableFields(baseline, desired);
  log.info(
    `VerificationSession ${args.pulumiTag?.resource ?? id}: adopted existing session ${id} (adoptSessionId; ${session.status}${changed.length > 0 ? `; updating ${changed.join(", ")}` : ""}). ` +
      `Pulumi manages it from now on: its deletionPolicy (${args.deletionPolicy}) applies when the resource is deleted`,
  );
  if (changed.length === 0) return { id: session.id, outs: toOutputs(session, args, account) };
  if (!isUpdatable({ status: session.status, redactionStatus: session.redaction?.status ?? null })) {
    throw new UserInputError(`adoptSessionId: ${id} is ${session.status}${session.redaction ? " and redacted" : ""}, so ${changed.join(", ")} cannot be changed; leave them unset or match the session`);
  }
  try {
    return { id: session.id, outs: toOutputs(await api.update(id, updateParams(baseline, desired), args.includeReportSummary), args, account) };
  } catch (error) {
    throw apiFailure("update (adopt)", id, error, apiKey);
  }
}
