/**
 * The plugin's Logger: each line goes to the engine's Log RPC with the URN of the resource being
 * worked on, so `pulumi up` shows it on that resource's row. The URN is carried by an async
 * context around each request, so the core's providers keep taking a plain Logger.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "../provider/log";
import { grpc, engineGrpc, engineProto } from "./proto";

const currentUrn = new AsyncLocalStorage<string>();

/** Runs `work` with log lines attributed to `urn`. */
export function withUrn<T>(urn: string, work: () => Promise<T>): Promise<T> {
  return currentUrn.run(urn, work);
}

type Severity = "info" | "warning";
export type EngineLogSink = (severity: Severity, message: string, urn: string, ephemeral: boolean) => Promise<void>;

/** Sends to the engine at `address`; lines keep their order; a line that cannot be sent goes to stderr. */
export function engineSink(address: string): EngineLogSink {
  const client = new engineGrpc.EngineClient(address, grpc.credentials.createInsecure());
  return (severity, message, urn, ephemeral) =>
    new Promise((resolve) => {
      const req = new engineProto.LogRequest();
      req.setSeverity(severity === "warning" ? engineProto.LogSeverity.WARNING : engineProto.LogSeverity.INFO);
      req.setMessage(message);
      req.setUrn(urn);
      req.setEphemeral(ephemeral);
      client.log(req, (err: Error | null) => {
        if (err) process.stderr.write(`${severity}: ${message}\n`);
        resolve();
      });
    });
}

export function urnLogger(sink: () => EngineLogSink | undefined): Logger {
  let last: Promise<void> = Promise.resolve();
  const send = (severity: Severity, message: string, ephemeral: boolean): void => {
    const urn = currentUrn.getStore() ?? "";
    const target = sink();
    last = last.then(() => (target ? target(severity, message, urn, ephemeral) : void process.stderr.write(`${severity}: ${message}\n`)));
  };
  return {
    info: (message, ephemeral = false) => send("info", message, ephemeral),
    warn: (message) => send("warning", message, false),
  };
}
