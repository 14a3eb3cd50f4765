import { IncomingMessage, ServerResponse } from "node:http";
import { invalidRequest } from "./errors";

/** Body cap: far above any valid request (every field <= 5000 chars), low enough to be harmless. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the whole body as text; too large -> 400 (the rest is drained, not buffered). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    let size = 0;
    let tooLarge = false;
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else text += chunk;
    });
    let ended = false;
    req.on("end", () => {
      ended = true;
      if (tooLarge) reject(invalidRequest(`Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`));
      else resolve(text);
    });
    // A client that hangs up mid-body ("aborted" error, then close): settle with a request error,
    // not a bug, so nothing waits forever and nothing is logged as an emulator fault (the reply
    // goes nowhere).
    const aborted = (): void => {
      if (!ended) reject(invalidRequest("The request was aborted before its body was complete."));
    };
    req.on("error", aborted);
    req.on("close", aborted);
  });
}

export function send(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string | number> = {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Request-Id": `req_${Math.random().toString(36).slice(2, 16)}`,
    ...extra,
  };
  res.writeHead(status, headers);
  res.end(body);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
