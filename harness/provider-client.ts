/**
 * Starts Pulumi's own dynamic-provider process and calls it over gRPC, as the engine does.
 *
 * Everything Pulumi-specific (the generated gRPC client, protobuf messages, grpc-js) is loaded from
 * the PROGRAM's @pulumi/pulumi, through `pulumiRequire`, so the harness never brings its own copy.
 * The process is started like the engine starts the `pulumi-resource-pulumi-nodejs` plugin: working
 * directory = the program's folder (so `require` in the serialized `__provider` resolves from there),
 * project and stack in `PULUMI_NODEJS_PROJECT` / `PULUMI_NODEJS_STACK`, and one argument (the engine
 * address). There is no engine to dial back: this version of the dynamic provider never connects
 * to it, and `pulumi.log` inside the provider then writes to stdout/stderr, which the real CLI also
 * turns into diagnostics. Those lines are forwarded here as log lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import type { JsonObject, LogLine } from "./types";
import { toJson } from "./wire";

type Msg = Record<string, (...args: never[]) => unknown>;
type MsgCtor = new () => Msg;
type Callback = (err: GrpcError | null, resp: Msg) => void;
type Client = Record<string, (req: Msg, cb: Callback) => void> & { close(): void };
interface GrpcError extends Error {
  details?: string;
}
interface StructStatic {
  fromJavaScript(value: JsonObject): Msg;
}

export type PulumiRequire = (id: string) => unknown;

export interface CheckResult {
  inputs: JsonObject;
  failures: { property: string; reason: string }[];
}
export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface ResourceRef {
  urn: string;
  type: string;
  name: string;
}

export class ProviderClient {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: Client,
    private readonly proto: Record<string, MsgCtor>,
    private readonly Struct: StructStatic,
  ) {}

  /** Starts the provider process from the program's @pulumi/pulumi and connects to it. */
  static async start(opts: {
    pulumiRequire: PulumiRequire;
    pulumiDir: string;
    programDir: string;
    project: string;
    stack: string;
    env: NodeJS.ProcessEnv;
    onLog: (line: Omit<LogLine, "urn">) => void;
  }): Promise<ProviderClient> {
    const script = path.join(opts.pulumiDir, "cmd", "dynamic-provider");
    const child = spawn(process.execPath, [script, "127.0.0.1:0"], {
      cwd: opts.programDir,
      env: { ...opts.env, PULUMI_NODEJS_PROJECT: opts.project, PULUMI_NODEJS_STACK: opts.stack },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Never leave the provider running when this process ends, however it ends.
    process.once("exit", () => child.kill("SIGKILL"));
    const stderr: string[] = [];
    readline.createInterface({ input: child.stderr! }).on("line", (line) => {
      stderr.push(line);
      opts.onLog({ source: "provider", ...classify(line, "stderr") });
    });
    const port = await new Promise<string>((resolve, reject) => {
      const out = readline.createInterface({ input: child.stdout! });
      let first = true;
      out.on("line", (line) => {
        if (first) {
          first = false;
          resolve(line.trim());
          return;
        }
        opts.onLog({ source: "provider", ...classify(line, "stdout") });
      });
      child.once("exit", (code) =>
        reject(new Error(`the dynamic-provider process exited (${code}) before it listened: ${stderr.slice(-5).join(" / ")}`)),
      );
      child.once("error", reject);
    });
    if (!/^\d+$/.test(port)) throw new Error(`the dynamic-provider process printed "${port}" instead of its port`);

    const grpc = opts.pulumiRequire("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
    const rpc = opts.pulumiRequire("./proto/provider_grpc_pb") as { ResourceProviderClient: new (addr: string, creds: unknown, o?: object) => Client };
    const proto = opts.pulumiRequire("./proto/provider_pb") as Record<string, MsgCtor>;
    const struct = opts.pulumiRequire("google-protobuf/google/protobuf/struct_pb") as { Struct: StructStatic };
    const client = new rpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
    });
    return new ProviderClient(child, client, proto, struct.Struct);
  }

  async configure(config: JsonObject): Promise<void> {
    const req = this.msg("ConfigureRequest", { setArgs: this.struct(config), setAcceptsecrets: true, setAcceptresources: true });
    await this.call("configure", req);
  }

  async check(ref: ResourceRef, olds: JsonObject, news: JsonObject): Promise<CheckResult> {
    const req = this.msg("CheckRequest", { ...this.refSetters(ref), setOlds: this.struct(olds), setNews: this.struct(news) });
    const resp = await this.call("check", req);
    const inputs = resp.getInputs() as Msg | undefined;
    const failures = (resp.getFailuresList() as Msg[]).map((f) => ({ property: f.getProperty() as string, reason: f.getReason() as string }));
    return { inputs: inputs ? (inputs.toJavaScript() as JsonObject) : news, failures };
  }

  async diff(ref: ResourceRef, id: string, olds: JsonObject, news: JsonObject, oldInputs: JsonObject): Promise<DiffResult> {
    const resp = await this.call("diff", this.msg("DiffRequest", this.changeSetters(ref, id, olds, news, oldInputs)));
    const changes = resp.getChanges() as number;
    return {
      changes: changes === 1 ? "none" : changes === 2 ? "some" : "unknown",
      replaces: resp.getReplacesList() as string[],
      deleteBeforeReplace: resp.getDeletebeforereplace() as boolean,
    };
  }

  async create(ref: ResourceRef, inputs: JsonObject): Promise<{ id: string; outputs: JsonObject }> {
    const resp = await this.call("create", this.msg("CreateRequest", { ...this.refSetters(ref), setProperties: this.struct(inputs) }));
    return { id: resp.getId() as string, outputs: (resp.getProperties() as Msg).toJavaScript() as JsonObject };
  }

  async update(ref: ResourceRef, id: string, olds: JsonObject, news: JsonObject, oldInputs: JsonObject): Promise<JsonObject> {
    const resp = await this.call("update", this.msg("UpdateRequest", this.changeSetters(ref, id, olds, news, oldInputs)));
    return (resp.getProperties() as Msg).toJavaScript() as JsonObject;
  }

  /** Read; `undefined` when the provider reports the resource gone (empty id). */
  async read(ref: ResourceRef, id: string, props: JsonObject, inputs: JsonObject): Promise<{ id: string; outputs: JsonObject; inputs?: JsonObject } | undefined> {
    const req = this.msg("ReadRequest", { ...this.refSetters(ref), setId: id, setProperties: this.struct(props), setInputs: this.struct(inputs) });
    const resp = await this.call("read", req);
    const newId = resp.getId() as string;
    if (!newId) return undefined;
    const newInputs = resp.getInputs() as Msg | undefined;
    return {
      id: newId,
      outputs: (resp.getProperties() as Msg).toJavaScript() as JsonObject,
      inputs: newInputs ? (newInputs.toJavaScript() as JsonObject) : undefined,
    };
  }

  async delete(ref: ResourceRef, id: string, props: JsonObject, oldInputs: JsonObject): Promise<void> {
    const req = this.msg("DeleteRequest", { ...this.refSetters(ref), setId: id, setProperties: this.struct(props), setOldInputs: this.struct(oldInputs) });
    await this.call("delete", req);
  }

  /** Closes the channel and stops the process (the engine kills plugins at the end of a run too). */
  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    }
  }

  private refSetters(ref: ResourceRef): Record<string, unknown> {
    return { setUrn: ref.urn, setType: ref.type, setName: ref.name };
  }

  /** Diff and Update carry the same fields: the resource, its id, old state, new inputs, old inputs. */
  private changeSetters(ref: ResourceRef, id: string, olds: JsonObject, news: JsonObject, oldInputs: JsonObject): Record<string, unknown> {
    return { ...this.refSetters(ref), setId: id, setOlds: this.struct(olds), setNews: this.struct(news), setOldInputs: this.struct(oldInputs) };
  }

  private struct(value: JsonObject): Msg {
    return this.Struct.fromJavaScript(toJson(value));
  }

  private msg(kind: string, setters: Record<string, unknown>): Msg {
    const m = new this.proto[kind]();
    for (const [setter, value] of Object.entries(setters)) (m[setter] as (v: unknown) => void).call(m, value);
    return m;
  }

  private call(method: string, req: Msg): Promise<Msg> {
    return new Promise((resolve, reject) => {
      this.client[method].call(this.client, req, (err, resp) => {
        // grpc-js prefixes "2 UNKNOWN: "; `details` is the provider's own message.
        // The provider writes its log lines (synchronously, to pipes) before it answers; one turn
        // of the event loop lets them arrive while the step they belong to is still current.
        setImmediate(() => setImmediate(() => (err ? reject(new Error(err.details || err.message)) : resolve(resp))));
      });
    });
  }
}

/** Turns one provider output line into a log line (`pulumi.log` without an engine prints `info: [runtime] ...`). */
function classify(line: string, stream: "stdout" | "stderr"): { level: LogLine["level"]; message: string } {
  const m = /^(info|warning|error|debug): \[runtime\] (.*)$/.exec(line);
  if (m) return { level: m[1] as LogLine["level"], message: m[2] };
  // Stack frames of errors the provider process prints before answering with the error itself.
  if (/^\s+at /.test(line)) return { level: "debug", message: line };
  return { level: stream === "stderr" ? "warning" : "info", message: line };
}
