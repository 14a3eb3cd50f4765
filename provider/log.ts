/**
 * Where providers say what they did or left: the Pulumi engine's log, as `pulumi up` shows it.
 * Inject another `Logger` in tests.
 *
 * Inside Pulumi's dynamic-provider process (3.248), `pulumi.log` is not connected to the engine: it
 * prints `info: [runtime] ...` to stdout, which the CLI shows as plain text, warnings included. The
 * engine's address is that process's first argument, so this logger sends each line to the
 * engine's `Log` RPC itself, with its severity: warnings are warnings, progress lines ephemeral.
 * Without a reachable engine (the harness, a test), it falls back to `pulumi.log`.
 */
import { createRequire } from "module";
import type * as pulumi from "@pulumi/pulumi";

export interface Logger {
  /**
   * `ephemeral`: a progress line the engine may replace (where it is connected). `urn`: the
   * resource the line belongs to: the engine shows it on that resource's row and under its name.
   */
  info(message: string, ephemeral?: boolean, urn?: string): void;
  warn(message: string, urn?: string): void;
}

type Severity = "info" | "warning";
type EngineSend = (severity: Severity, message: string, ephemeral: boolean, urn: string | undefined) => Promise<void>;

/** The dynamic-provider process is started as `node .../cmd/dynamic-provider <engine address>`. */
export function engineAddressFromArgv(argv: string[]): string | undefined {
  if (!/[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(argv[1] ?? "")) return undefined;
  const address = argv[2] ?? "";
  return /^[\w.-]+:[1-9]\d*$/.test(address) ? address : undefined;
}

let engine: EngineSend | null | undefined;

function engineSender(): EngineSend | undefined {
  if (engine !== undefined) return engine ?? undefined;
  engine = null;
  const address = engineAddressFromArgv(process.argv);
  if (!address) return undefined;
  try {
    // The program's own copy of Pulumi's generated client, and the grpc-js it was generated for.
    const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi"));
    const grpc = pulumiRequire("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
    const { EngineClient } = pulumiRequire("./proto/engine_grpc_pb") as {
      EngineClient: new (address: string, credentials: unknown) => { log(req: unknown, cb: (err: Error | null) => void): void };
    };
    const proto = pulumiRequire("./proto/engine_pb") as {
      LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void; setEphemeral(e: boolean): void; setUrn(u: string): void };
      LogSeverity: Record<"INFO" | "WARNING", number>;
    };
    const client = new EngineClient(address, grpc.credentials.createInsecure());
    engine = (severity, message, ephemeral, urn) =>
      new Promise((resolve, reject) => {
        const req = new proto.LogRequest();
        if (urn) req.setUrn(urn);
        req.setSeverity(severity === "warning" ? proto.LogSeverity.WARNING : proto.LogSeverity.INFO);
        req.setMessage(message);
        req.setEphemeral(ephemeral);
        client.log(req, (err) => (err ? reject(err) : resolve()));
      });
  } catch {
    engine = null;
  }
  return engine ?? undefined;
}

export function pulumiLogger(): Logger {
  // Resolved at call time: inside the dynamic-provider process, the engine is set up by then.
  const log = () => (require("@pulumi/pulumi") as typeof pulumi).log;
  // A line that cannot reach the engine must not become an unhandled rejection (it fails the process).
  const ignore = (): undefined => undefined;
  // Lines reach the engine in the order they were written.
  let last: Promise<unknown> = Promise.resolve();
  const send = (severity: Severity, message: string, ephemeral: boolean, urn: string | undefined): void => {
    const toEngine = engineSender();
    const fallback = () => (severity === "warning" ? log().warn(message) : log().info(message, undefined, undefined, ephemeral)).catch(ignore);
    last = last.then(() => (toEngine ? toEngine(severity, message, ephemeral, urn).catch(fallback) : fallback()));
  };
  return {
    info: (message, ephemeral = false, urn) => send("info", message, ephemeral, urn),
    warn: (message, urn) => send("warning", message, false, urn),
  };
}
