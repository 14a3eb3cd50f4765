/**
 * The `stripe-identity` resource plugin: Pulumi's ResourceProvider protocol served over gRPC from
 * Pulumi's generated stubs. Each request is translated to plain values (./properties.ts), handed
 * to the resource kind its type token names (./resources/), and translated back. Log lines carry
 * the request's URN (./engine-log.ts).
 */
import { checkConfig, changedConfig, configSource, fromVariables } from "./config";
import { engineSink, urnLogger, withUrn, type EngineLogSink } from "./engine-log";
import { concealProperties, revealProperties, type PlainObject } from "./properties";
import { emptyProto, grpc, pluginProto, providerGrpc, providerProto, structProto, type WireStruct } from "./proto";
import { BulkRedactionResource } from "./resources/bulk";
import { SessionResource } from "./resources/session";
import type { DiffOutcome, NativeResource, PropertyChangeKind } from "./resources/types";
import { parseUrn } from "./urn";
import { providerSchemaText, TOKENS } from "./schema/generate";

type Callback = (error: { code: number; details: string } | null, response?: unknown) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated request classes
type Call = { request: any };

const KIND_OF: Record<PropertyChangeKind, number> = {
  add: providerProto.PropertyDiff.Kind.ADD,
  "add-replace": providerProto.PropertyDiff.Kind.ADD_REPLACE,
  delete: providerProto.PropertyDiff.Kind.DELETE,
  "delete-replace": providerProto.PropertyDiff.Kind.DELETE_REPLACE,
  update: providerProto.PropertyDiff.Kind.UPDATE,
  "update-replace": providerProto.PropertyDiff.Kind.UPDATE_REPLACE,
};

function plain(struct: WireStruct | undefined): PlainObject {
  return struct ? struct.toJavaScript() : {};
}

/** Typed loosely: the generated setters name google-protobuf's Struct class, whose module has no types of its own here. */
function wire(values: PlainObject): never {
  return structProto.Struct.fromJavaScript(values) as never;
}

/** A user's error is its message (the core's messages name the field and mask keys); no stack. */
function asGrpcError(error: unknown): { code: number; details: string } {
  const message = error instanceof Error ? error.message : String(error);
  return { code: grpc.status.UNKNOWN, details: message };
}

function fillDiff(resp: InstanceType<typeof providerProto.DiffResponse>, outcome: Pick<DiffOutcome, "changes" | "replaces" | "detailed">): void {
  resp.setChanges(outcome.changes ? providerProto.DiffResponse.DiffChanges.DIFF_SOME : providerProto.DiffResponse.DiffChanges.DIFF_NONE);
  resp.setReplacesList(outcome.replaces);
  resp.setDiffsList(Object.keys(outcome.detailed).map((path) => path.split(".")[0]));
  const map = resp.getDetaileddiffMap();
  for (const [path, change] of Object.entries(outcome.detailed)) {
    const diff = new providerProto.PropertyDiff();
    diff.setKind(KIND_OF[change.kind] as never);
    diff.setInputdiff(change.input);
    map.set(path, diff);
  }
  resp.setHasdetaileddiff(true);
  resp.setDeletebeforereplace(false);
}

export interface ServerOptions {
  version: string;
  env?: NodeJS.ProcessEnv;
  /** The engine's address, for log lines (the plugin's first argument; the handshake may say it). */
  engineAddress?: string;
}

export class StripeIdentityProvider {
  private engineAddress: string | undefined;
  private sink: EngineLogSink | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger = urnLogger(() => this.engineLog());
  private readonly resources: Record<string, NativeResource>;
  private cancelled = false;

  constructor(private readonly options: ServerOptions) {
    this.env = options.env ?? process.env;
    this.engineAddress = options.engineAddress;
    const context = { logger: this.logger, env: this.env };
    this.resources = { [TOKENS.session]: new SessionResource(context), [TOKENS.bulkRedaction]: new BulkRedactionResource(context) };
  }

  private engineLog(): EngineLogSink | undefined {
    if (!this.sink && this.engineAddress) this.sink = engineSink(this.engineAddress);
    return this.sink;
  }

  private resourceOf(request: { getType?(): string; getUrn(): string }): NativeResource {
    const token = request.getType?.() || parseUrn(request.getUrn())?.type || "";
    const resource = this.resources[token];
    if (!resource) throw new Error(`stripe-identity: unknown resource type "${token}" (this provider serves ${Object.keys(this.resources).join(" and ")})`);
    return resource;
  }

  /** Runs a request's work, answering with its result or its error. */
  private answer(callback: Callback, work: () => Promise<unknown>): void {
    this.run(work).then(
      (response) => callback(null, response),
      (error: unknown) => callback(asGrpcError(error)),
    );
  }

  /** After Cancel, operations not yet started are refused (those in flight finish or fail on their own). */
  private run<T>(work: () => Promise<T>): Promise<T> {
    if (this.cancelled) return Promise.reject(new Error("stripe-identity: the engine cancelled this operation; nothing was sent to Stripe"));
    return work();
  }

  /** The gRPC service implementation (method names as in Pulumi's generated ResourceProvider service). */
  service(): Record<string, (call: Call, callback: Callback) => void> {
    return {
      handshake: (call, callback) =>
        this.answer(callback, async () => {
          this.engineAddress = call.request.getEngineAddress() || this.engineAddress;
          const resp = new providerProto.ProviderHandshakeResponse();
          resp.setAcceptSecrets(true);
          resp.setAcceptResources(true);
          resp.setAcceptOutputs(false);
          return resp;
        }),
      attach: (call, callback) =>
        this.answer(callback, async () => {
          this.engineAddress = call.request.getAddress();
          return new emptyProto.Empty();
        }),
      getPluginInfo: (_call, callback) =>
        this.answer(callback, async () => {
          const info = new pluginProto.PluginInfo();
          info.setVersion(this.options.version);
          return info;
        }),
      getSchema: (call, callback) =>
        this.answer(callback, async () => {
          if (call.request.getVersion() !== 0) throw new Error(`unsupported schema version ${call.request.getVersion()}`);
          const resp = new providerProto.GetSchemaResponse();
          resp.setSchema(providerSchemaText(this.options.version));
          return resp;
        }),
      checkConfig: (call, callback) =>
        this.answer(callback, async () => {
          const { failures } = checkConfig(revealProperties(plain(call.request.getNews())).values, this.env);
          const resp = new providerProto.CheckResponse();
          resp.setInputs(call.request.getNews());
          resp.setFailuresList(failures.map((f) => new providerProto.CheckFailure().setProperty(f.property).setReason(f.reason)));
          return resp;
        }),
      diffConfig: (call, callback) =>
        this.answer(callback, async () => {
          const olds = revealProperties(plain(call.request.getOldInputs() ?? call.request.getOlds())).values;
          const news = revealProperties(plain(call.request.getNews())).values;
          const changed = changedConfig(olds, news);
          const resp = new providerProto.DiffResponse();
          fillDiff(resp, { changes: changed.length > 0, replaces: [], detailed: Object.fromEntries(changed.map((key) => [key, { kind: "update" as const, input: true }])) });
          return resp;
        }),
      configure: (call, callback) =>
        this.answer(callback, async () => {
          const args = call.request.getArgs();
          const values = args ? revealProperties(plain(args)).values : fromVariables(call.request.getVariablesMap().entries());
          const { failures } = checkConfig(values, this.env);
          if (failures.length > 0) throw new Error(failures[0].reason);
          const source = configSource(values);
          for (const resource of Object.values(this.resources)) await resource.configure(source);
          const resp = new providerProto.ConfigureResponse();
          resp.setAcceptsecrets(true);
          resp.setAcceptresources(true);
          resp.setSupportspreview(false);
          return resp;
        }),
      check: (call, callback) =>
        this.answer(callback, () =>
          withUrn(call.request.getUrn(), async () => {
            const news = revealProperties(plain(call.request.getNews()));
            const olds = revealProperties(plain(call.request.getOlds())).values;
            const outcome = await this.resourceOf(call.request).check(call.request.getUrn(), olds, news.values);
            const resp = new providerProto.CheckResponse();
            resp.setInputs(wire(concealProperties(outcome.inputs, news.secretKeys)));
            // The dynamic face names a nested field in the reason (Pulumi prints its path as {<nil>}); this protocol carries the path.
            resp.setFailuresList(outcome.failures.map((f) => new providerProto.CheckFailure().setProperty(f.property || (/^([\w.[\]]+)(?: \(got |: )/.exec(f.reason)?.[1] ?? "")).setReason(f.reason)));
            return resp;
          }),
        ),
      diff: (call, callback) =>
        this.answer(callback, () =>
          withUrn(call.request.getUrn(), async () => {
            const olds = revealProperties(plain(call.request.getOlds())).values;
            const news = revealProperties(plain(call.request.getNews())).values;
            const outcome = await this.resourceOf(call.request).diff(call.request.getId(), call.request.getUrn(), olds, news);
            const resp = new providerProto.DiffResponse();
            fillDiff(resp, outcome);
            return resp;
          }),
        ),
      create: (call, callback) =>
        this.answer(callback, () =>
          withUrn(call.request.getUrn(), async () => {
            const resource = this.resourceOf(call.request);
            const inputs = revealProperties(plain(call.request.getProperties()));
            const { id, outputs } = call.request.getPreview()
              ? { id: "", outputs: resource.preview(undefined, inputs.values) }
              : await resource.create(call.request.getUrn(), inputs.values);
            const resp = new providerProto.CreateResponse();
            resp.setId(id);
            resp.setProperties(wire(concealProperties(outputs, [...inputs.secretKeys, ...resource.secretOutputs])));
            return resp;
          }),
        ),
      read: (call, callback) =>
        this.answer(callback, () =>
          withUrn(call.request.getUrn(), async () => {
            const resource = this.resourceOf(call.request);
            const state = revealProperties(plain(call.request.getProperties()));
            const inputs = revealProperties(plain(call.request.getInputs()));
            const outcome = await resource.read(call.request.getId(), call.request.getUrn(), state.values, inputs.values);
            const resp = new providerProto.ReadResponse();
            resp.setId(outcome.id);
            if (outcome.id) {
              resp.setProperties(wire(concealProperties(outcome.outputs, [...state.secretKeys, ...resource.secretOutputs])));
              resp.setInputs(wire(concealProperties(outcome.inputs, inputs.secretKeys)));
            }
            return resp;
          }),
        ),
      update: (call, callback) =>
        this.answer(callback, () =>
          withUrn(call.request.getUrn(), async () => {
            const resource = this.resourceOf(call.request);
            const olds = revealProperties(plain(call.request.getOlds())).values;
            const news = revealProperties(plain(call.request.getNews()));
            const outputs = call.request.getPreview()
              ? resource.preview(olds, news.values)
              : await resource.update(call.request.getId(), call.request.getUrn(), olds, news.values);
            const resp = new providerProto.UpdateResponse();
            resp.setProperties(wire(concealProperties(outputs, [...news.secretKeys, ...resource.secretOutputs])));
            return resp;
          }),
        ),
      delete: (call, callback) =>
        this.answer(callback, () =>
          withUrn(call.request.getUrn(), async () => {
            const state = revealProperties(plain(call.request.getProperties())).values;
            await this.resourceOf(call.request).delete(call.request.getId(), call.request.getUrn(), state);
            return new emptyProto.Empty();
          }),
        ),
      cancel: (_call, callback) => {
        // The engine is shutting down: in-flight calls finish or fail on their own; nothing new starts.
        this.cancelled = true;
        callback(null, new emptyProto.Empty());
      },
    };
  }

}

/** Serves on a free port of 127.0.0.1; resolves with the port (the handshake line). */
export function serve(options: ServerOptions): Promise<{ port: number; server: InstanceType<typeof grpc.Server> }> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  const provider = new StripeIdentityProvider(options);
  server.addService(providerGrpc.ResourceProviderService, provider.service() as never);
  return new Promise((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve({ port, server })));
  });
}

