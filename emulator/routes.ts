import { Page } from "./list";
import {
  CreateSessionParams, ExpandOnlyParams, ListReportsParams, ListSessionsParams, UpdateSessionParams, validate,
} from "./params";
import { ApiObject, renderAccount, renderReport, renderSession, reportExpansion, sessionExpansion } from "./render";
import { listReports, retrieveReport } from "./reports";
import { cancelSession, createSession, getSession, listSessions, redactSession, updateSession } from "./sessions";
import { Account, EmulatorState } from "./state";
import { SessionRecord } from "./types";

/**
 * The 8 operations: match a path to a route template, then a thin handler that validates params,
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
  return renderSession(record, ctx.account, ctx.state.clock(), sessionExpansion(expand));
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
      return list(SESSIONS, listSessions(ctx.account, p), (s) => renderSession(s, ctx.account, now, expand));
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
} satisfies Record<string, Route>;

/** Matches method + path (no query) to a route; undefined for an unknown URL. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  if (path === ACCOUNT) return pick(method === "GET" ? routes.retrieveAccount : undefined, "");
  const parts = path.split("/");
  // ["", "v1", "identity", "<collection>", id?, action?]
  if (parts.length < 4 || parts.length > 6 || parts[1] !== "v1" || parts[2] !== "identity") return undefined;
  const collection = parts[3];
  const id = parts.length > 4 ? decodeId(parts[4]) : "";
  const action = parts[5];
  if (parts.length > 4 && id === "") return undefined;
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
