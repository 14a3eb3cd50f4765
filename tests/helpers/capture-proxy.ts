import http from "node:http";
import { AddressInfo } from "node:net";

/**
 * A pass-through HTTP proxy that records every response body, so tests can drive the emulator
 * with the real SDK and still check the exact JSON on the wire.
 */
export interface Captured {
  method: string;
  path: string;
  status: number;
  body: string;
}

export interface CaptureProxy {
  url: string;
  captured: Captured[];
  close(): Promise<void>;
}

/** `dropResponseHeaders`: removed from every response, as a gateway in between may do. */
export async function startCaptureProxy(target: string, options: { dropResponseHeaders?: string[] } = {}): Promise<CaptureProxy> {
  const base = new URL(target);
  const captured: Captured[] = [];
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          captured.push({ method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0], status: up.statusCode ?? 0, body });
          const headers = { ...up.headers };
          for (const name of options.dropResponseHeaders ?? []) delete headers[name.toLowerCase()];
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    captured,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
