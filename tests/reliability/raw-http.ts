/**
 * A raw HTTP/1.1 client over a TCP socket: sends exactly the bytes it is given (junk headers,
 * invalid UTF-8, bodies any size), which `fetch` and `http.request` refuse to send.
 */
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  target: string;
  headers?: [string, string | Buffer][];
  body?: Buffer | string;
}

export function encodeRequest(req: RawRequest): Buffer {
  const body = typeof req.body === "string" ? Buffer.from(req.body, "utf8") : (req.body ?? Buffer.alloc(0));
  const parts: Buffer[] = [Buffer.from(`${req.method} ${req.target} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, "latin1")];
  for (const [name, value] of req.headers ?? []) {
    parts.push(Buffer.from(`${name}: `, "latin1"), typeof value === "string" ? Buffer.from(value, "utf8") : value, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, "latin1"), body);
  return Buffer.concat(parts);
}

/** Sends the bytes, reads until the server closes. Rejects on a reset or on timeout (no answer). */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs}ms`));
    }, timeoutMs);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!match || end < 0) {
        reject(new Error(`no HTTP response (${chunks.length} chunks): ${JSON.stringify(text.slice(0, 80))}`));
        return;
      }
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, end).split("\r\n").slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(match[1]), headers, body: text.slice(end + 4) });
    });
    socket.end(bytes);
  });
}
