import { Page } from "./list";
import {
  CreateSessionParams, ExpandOnlyParams, ListReportsParams, ListSessionsParams, UpdateSessionParams, validate,
} from "./params";
import { CreateJobParams, ListJobsParams, ListPageParams, UpdateJobParams } from "./redaction-job-params";
import { jobExpansion, JOBS_PATH, renderJob, renderValidationError } from "./redaction-job-render";
import { cancelJob, createJob, getJob, jobRedactionStatus, listJobs, listValidationErrors, runJob, updateJob, validateJob } from "./redaction-jobs";
import { ApiObject, JobRedactionLookup, renderAccount, renderReport, renderSession, reportExpansion, sessionExpansion } from "./render";
import { listReports, retrieveReport } from "./reports";
import { cancelSession, createSession, getSession, listSessions, redactSession, updateSession } from "./sessions";
import { Account, EmulatorState } from "./state";
import { SessionRecord } from "./types";

/**
 * The 8 Identity operations, `GET /v1/account`, and the Redaction Job endpoints (a Stripe preview): match a path to a route template, then a thin handler that validates params,
 * calls the domain and renders. Templates are what `stats` counts by.
 */
export interface RouteContext {
  state: EmulatorState;
  account: Account;
  id: string;
  params: Record<string, unknown>;
}

export interface Route {
  template: string;
  handle(ctx: RouteContext): ApiObject;
}

export interface RouteMatch {
  route: Route;
  id: string;
}

const ACCOUNT = "/v1/account";
const SESSIONS = "/v1/identity/verification_sessions";
const REPORTS = "/v1/identity/verification_reports";

function session(ctx: RouteContext, record: SessionRecord, expand: string[] | undefined): ApiObject {
  return renderSession(record, ctx.account, ctx.state.clock(), sessionExpansion(expand), heldBy(ctx));
}

function heldBy(ctx: RouteContext): JobRedactionLookup {
  return (s) => jobRedactionStatus(ctx.state, ctx.account, s);
}

function list<T>(url: string, page: Page<T>, render: (item: T) => ApiObject): ApiObject {
  return { object: "list", data: page.data.map(render), has_more: page.has_more, url };
}

const routes = {
  retrieveAccount: {
    template: `GET ${ACCOUNT}`,
    handle: (ctx) => {
      validate(ExpandOnlyParams, ctx.params);
      return renderAccount(ctx.account);
    },
  },
  createSession: {
    template: `POST ${SESSIONS}`,
    handle: (ctx) => {
      const p = validate(CreateSessionParams, ctx.params);
      sessionExpansion(p.expand);
      return session(ctx, createSession(ctx.state, ctx.account, p), p.expand);
    },
  },
  listSessions: {
    template: `GET ${SESSIONS}`,
    handle: (ctx) => {
      const p = validate(ListSessionsParams, ctx.params);
      const expand = sessionExpansion(p.expand, "data.");
      const now = ctx.state.clock();
      return list(SESSIONS, listSessions(ctx.account, p), (s) => renderSession(s, ctx.account, now, expand, heldBy(ctx)));
    },
  },
  retrieveSession: {
    template: `GET ${SESSIONS}/:id`,
    handle: (ctx) => {
      const p = validate(ExpandOnlyParams, ctx.params);
      return session(ctx, getSession(ctx.account, ctx.id), p.expand);
    },
  },
  updateSession: {
    template: `POST ${SESSIONS}/:id`,
    handle: (ctx) => {
      const p = validate(UpdateSessionParams, ctx.params);
      sessionExpansion(p.expand);
      return session(ctx, updateSession(ctx.state, ctx.account, ctx.id, p), p.expand);
    },
  },
  cancelSession: {
    template: `POST ${SESSIONS}/:id/cancel`,
    handle: (ctx) => {
      const p = validate(ExpandOnlyParams, ctx.params);
      sessionExpansion(p.expand);
      return session(ctx, cancelSession(ctx.account, ctx.id), p.expand);
    },
  },
  redactSession: {
    template: `POST ${SESSIONS}/:id/redact`,
    handle: (ctx) => {
      const p = validate(ExpandOnlyParams, ctx.params);
      sessionExpansion(p.expand);
      return session(ctx, redactSession(ctx.state, ctx.account, ctx.id), p.expand);
    },
  },
  listReports: {
    template: `GET ${REPORTS}`,
    handle: (ctx) => {
      const p = validate(ListReportsParams, ctx.params);
      const expand = reportExpansion(p.expand, "data.");
      return list(REPORTS, listReports(ctx.account, p), (r) => renderReport(r, expand));
    },
  },
  retrieveReport: {
    template: `GET ${REPORTS}/:id`,
    handle: (ctx) => {
      const p = validate(ExpandOnlyParams, ctx.params);
      return renderReport(retrieveReport(ctx.account, ctx.id), reportExpansion(p.expand));
    },
  },
  createJob: {
    template: `POST ${JOBS_PATH}`,
    handle: (ctx) => {
      const p = validate(CreateJobParams, ctx.params);
      return renderJob(createJob(ctx.state, ctx.account, p), jobExpansion(p.expand));
    },
  },
  listJobs: {
    template: `GET ${JOBS_PATH}`,
    handle: (ctx) => {
      const p = validate(ListJobsParams, ctx.params);
      const objects = jobExpansion(p.expand, "data.");
      return list(JOBS_PATH, listJobs(ctx.state, ctx.account, p), (job) => renderJob(job, objects));
    },
  },
  retrieveJob: {
    template: `GET ${JOBS_PATH}/:id`,
    handle: (ctx) => {
      const p = validate(ExpandOnlyParams, ctx.params);
      return renderJob(getJob(ctx.state, ctx.account, ctx.id), jobExpansion(p.expand));
    },
  },
  updateJob: {
    template: `POST ${JOBS_PATH}/:id`,
    handle: (ctx) => {
      const p = validate(UpdateJobParams, ctx.params);
      return renderJob(updateJob(ctx.state, ctx.account, ctx.id, p.validation_behavior), jobExpansion(p.expand));
    },
  },
  validateJob: jobAction("validate", validateJob),
  runJob: jobAction("run", runJob),
  cancelJob: jobAction("cancel", cancelJob),
  listValidationErrors: {
    template: `GET ${JOBS_PATH}/:id/validation_errors`,
    handle: (ctx) => {
      const p = validate(ListPageParams, ctx.params);
      jobExpansion(p.expand, "data.");
      const page = listValidationErrors(ctx.state, ctx.account, ctx.id, p);
      return list(`${JOBS_PATH}/${ctx.id}/validation_errors`, page, renderValidationError);
    },
  },
} satisfies Record<string, Route>;

function jobAction(action: string, operation: typeof runJob): Route {
  return {
    template: `POST ${JOBS_PATH}/:id/${action}`,
    handle: (ctx) => {
      const p = validate(ExpandOnlyParams, ctx.params);
      const objects = jobExpansion(p.expand);
      return renderJob(operation(ctx.state, ctx.account, ctx.id), objects);
    },
  };
}

/** Matches method + path (no query) to a route; undefined for an unknown URL. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  if (path === ACCOUNT) return pick(method === "GET" ? routes.retrieveAccount : undefined, "");
  const parts = path.split("/");
  // ["", "v1", "identity" | "privacy", "<collection>", id?, action?]
  if (parts.length < 4 || parts.length > 6 || parts[1] !== "v1") return undefined;
  const collection = parts[3];
  const id = parts.length > 4 ? decodeId(parts[4]) : "";
  const action = parts[5];
  if (parts.length > 4 && id === "") return undefined;
  if (parts[2] === "privacy") return collection === "redaction_jobs" ? matchJobRoute(method, parts.length, id, action) : undefined;
  if (parts[2] !== "identity") return undefined;
  if (collection === "verification_sessions") {
    if (parts.length === 4) return pick(method === "POST" ? routes.createSession : method === "GET" ? routes.listSessions : undefined, id);
    if (parts.length === 5) return pick(method === "POST" ? routes.updateSession : method === "GET" ? routes.retrieveSession : undefined, id);
    if (method !== "POST") return undefined;
    return pick(action === "cancel" ? routes.cancelSession : action === "redact" ? routes.redactSession : undefined, id);
  }
  if (collection === "verification_reports" && method === "GET") {
    if (parts.length === 4) return pick(routes.listReports, id);
    if (parts.length === 5) return pick(routes.retrieveReport, id);
  }
  return undefined;
}

function matchJobRoute(method: string, length: number, id: string, action: string | undefined): RouteMatch | undefined {
  if (length === 4) return pick(method === "POST" ? routes.createJob : method === "GET" ? routes.listJobs : undefined, id);
  if (length === 5) return pick(method === "POST" ? routes.updateJob : method === "GET" ? routes.retrieveJob : undefined, id);
  if (method === "GET") return pick(action === "validation_errors" ? routes.listValidationErrors : undefined, id);
  if (method !== "POST") return undefined;
  const actions: Record<string, Route> = { validate: routes.validateJob, run: routes.runJob, cancel: routes.cancelJob };
  return pick(Object.hasOwn(actions, action ?? "") ? actions[action ?? ""] : undefined, id);
}

function pick(route: Route | undefined, id: string): RouteMatch | undefined {
  return route ? { route, id } : undefined;
}

/** A path id; "" (no route) when it is not valid percent-encoding or exceeds the spec's 5000. */
function decodeId(segment: string): string {
  if (segment.length > 15000) return "";
  try {
    const id = segment.includes("%") ? decodeURIComponent(segment) : segment;
    return id.length > 5000 ? "" : id;
  } catch {
    return "";
  }
}
