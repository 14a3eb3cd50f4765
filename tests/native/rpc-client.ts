/**
 * A ResourceProvider client for the plugin served in-process, and a stand-in for the engine's Log
 * service that records what the plugin logs (with URNs). Wire values are plain objects here.
 */
import { serve } from "../../native/server";
import { emptyProto, engineGrpc, grpc, providerGrpc, providerProto, structProto } from "../../native/proto";
import type { PlainObject } from "../../native/properties";

export interface LoggedLine {
  severity: number;
  message: string;
  urn: string;
}

/** The engine's Log RPC, recording each line. */
export async function startFakeEngine(): Promise<{ address: string; lines: LoggedLine[]; close(): void }> {
  const lines: LoggedLine[] = [];
  const server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log: (call: { request: { getSeverity(): number; getMessage(): string; getUrn(): string } }, callback: (e: null, r: object) => void) => {
      lines.push({ severity: call.request.getSeverity(), message: call.request.getMessage(), urn: call.request.getUrn() });
      callback(null, new emptyProto.Empty());
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { address: `127.0.0.1:${port}`, lines, close: () => server.forceShutdown() };
}

type Unary = (request: unknown, callback: (error: Error | null, response: never) => void) => void;

export class PluginClient {
  private constructor(
    private readonly client: InstanceType<typeof providerGrpc.ResourceProviderClient>,
    private readonly close: () => void,
  ) {}

  static async start(opts: { env?: NodeJS.ProcessEnv; engineAddress?: string } = {}): Promise<PluginClient> {
    const { port, server } = await serve({ version: "0.0.0-test", env: opts.env ?? {}, engineAddress: opts.engineAddress });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new PluginClient(client, () => {
      client.close();
      server.forceShutdown();
    });
  }

  shutdown(): void {
    this.close();
  }

  call<T>(method: string, request: unknown): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method].bind(this.client);
    return new Promise((resolve, reject) => fn(request, (error, response) => (error ? reject(error) : resolve(response as T))));
  }

  static struct(values: PlainObject): never {
    return structProto.Struct.fromJavaScript(values) as never;
  }

  async configure(args: PlainObject): Promise<void> {
    const req = new providerProto.ConfigureRequest();
    req.setArgs(PluginClient.struct(args));
    await this.call("configure", req);
  }

  async check(urn: string, news: PlainObject, olds: PlainObject = {}): Promise<{ inputs: PlainObject; failures: { property: string; reason: string }[] }> {
    const req = new providerProto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(PluginClient.struct(olds));
    req.setNews(PluginClient.struct(news));
    const resp = await this.call<InstanceType<typeof providerProto.CheckResponse>>("check", req);
    return {
      inputs: (resp.getInputs() as unknown as { toJavaScript(): PlainObject }).toJavaScript(),
      failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async checkConfig(news: PlainObject): Promise<{ property: string; reason: string }[]> {
    const req = new providerProto.CheckRequest();
    req.setUrn("urn:pulumi:dev::p::pulumi:providers:stripe-identity::default");
    req.setNews(PluginClient.struct(news));
    const resp = await this.call<InstanceType<typeof providerProto.CheckResponse>>("checkConfig", req);
    return resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() }));
  }

  async diff(urn: string, id: string, olds: PlainObject, news: PlainObject): Promise<{ changes: number; replaces: string[]; detailed: Record<string, { kind: number; input: boolean }> }> {
    const req = new providerProto.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(PluginClient.struct(olds));
    req.setNews(PluginClient.struct(news));
    const resp = await this.call<InstanceType<typeof providerProto.DiffResponse>>("diff", req);
    const detailed: Record<string, { kind: number; input: boolean }> = {};
    for (const [path, diff] of resp.getDetaileddiffMap().entries()) detailed[path] = { kind: diff.getKind(), input: diff.getInputdiff() };
    return { changes: resp.getChanges(), replaces: resp.getReplacesList(), detailed };
  }

  async create(urn: string, properties: PlainObject, preview = false): Promise<{ id: string; outputs: PlainObject }> {
    const req = new providerProto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(PluginClient.struct(properties));
    req.setPreview(preview);
    const resp = await this.call<InstanceType<typeof providerProto.CreateResponse>>("create", req);
    return { id: resp.getId(), outputs: (resp.getProperties() as unknown as { toJavaScript(): PlainObject }).toJavaScript() };
  }

  async read(urn: string, id: string, properties: PlainObject = {}, inputs: PlainObject = {}): Promise<{ id: string; outputs: PlainObject; inputs: PlainObject }> {
    const req = new providerProto.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(PluginClient.struct(properties));
    req.setInputs(PluginClient.struct(inputs));
    const resp = await this.call<InstanceType<typeof providerProto.ReadResponse>>("read", req);
    const js = (s: unknown) => (s ? (s as { toJavaScript(): PlainObject }).toJavaScript() : {});
    return { id: resp.getId(), outputs: js(resp.getProperties()), inputs: js(resp.getInputs()) };
  }

  async delete(urn: string, id: string, properties: PlainObject): Promise<void> {
    const req = new providerProto.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(PluginClient.struct(properties));
    await this.call("delete", req);
  }
}
