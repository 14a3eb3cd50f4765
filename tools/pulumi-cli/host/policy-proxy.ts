// Policy packs under RunPlugin, as Pulumi's hosts run them (sdk/policy_proxy.go): the engine talks to
// an Analyzer server of ours first. Its ConfigureStack call carries the stack's name, project,
// organization and config, which @pulumi/policy packs read from the environment at start, so the
// pack is started only then; every other call waits for the pack and is forwarded to it.
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";

type Unary = (request: unknown, callback: (error: grpc.ServiceError | null, response?: unknown) => void) => void;

export class PolicyProxy {
  readonly configuration: Promise<analyzerProto.AnalyzerStackConfigureRequest | undefined>;
  private settleConfiguration!: (request: analyzerProto.AnalyzerStackConfigureRequest | undefined) => void;
  private readonly client: Promise<analyzerGrpc.AnalyzerClient>;
  private settleClient!: (client: analyzerGrpc.AnalyzerClient) => void;
  private failClient!: (error: Error) => void;
  private attached?: analyzerGrpc.AnalyzerClient;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {
    this.configuration = new Promise((resolve) => (this.settleConfiguration = resolve));
    this.client = new Promise((resolve, reject) => {
      this.settleClient = resolve;
      this.failClient = reject;
    });
    // A pack that never starts fails the calls waiting for it; nobody else awaits this promise.
    this.client.catch(() => undefined);
  }

  static start(): Promise<PolicyProxy> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
        if (error) return reject(error);
        const proxy = new PolicyProxy(server, port);
        server.addService(analyzerGrpc.AnalyzerService, proxy.implementation());
        resolve(proxy);
      });
    });
  }

  private implementation(): grpc.UntypedServiceImplementation {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(analyzerGrpc.AnalyzerService)) {
      handlers[method] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        // Engines that call something else first (`pulumi policy publish`) get a pack with no stack config.
        this.settleConfiguration(undefined);
        this.client.then(
          (client) => (client as unknown as Record<string, Unary>)[method].call(client, call.request, (error, response) => callback(error, response)),
          (error: Error) => callback({ code: grpc.status.UNAVAILABLE, details: `policy pack not started: ${error.message}` }),
        );
      };
    }
    handlers.handshake = (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, new analyzerProto.AnalyzerHandshakeResponse());
    handlers.configureStack = (call: grpc.ServerUnaryCall<analyzerProto.AnalyzerStackConfigureRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      this.settleConfiguration(call.request);
      callback(null, new analyzerProto.AnalyzerStackConfigureResponse());
    };
    return handlers;
  }

  /** The pack printed its port: connect, hand it the stack configuration, and serve the waiting calls. */
  async attach(port: number): Promise<void> {
    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    this.attached = client;
    const configuration = await this.configuration;
    if (configuration) {
      const error = await new Promise<grpc.ServiceError | null>((resolve) => client.configureStack(configuration, (e) => resolve(e)));
      // Packs older than ConfigureStack answer UNIMPLEMENTED: they read the environment only.
      if (error && error.code !== grpc.status.UNIMPLEMENTED) {
        const failure = new Error(`policy pack configuration failed: ${error.details || error.message}`);
        this.failClient(failure);
        throw failure;
      }
    }
    this.settleClient(client);
  }

  fail(error: Error): void {
    this.failClient(error);
  }

  close(): void {
    this.attached?.close();
    this.server.forceShutdown();
  }
}

/** The environment @pulumi/policy packs read the stack from (Pulumi's host sets the same names). */
export function policyPackEnv(configuration: analyzerProto.AnalyzerStackConfigureRequest | undefined): Record<string, string> {
  if (!configuration) return {};
  const env: Record<string, string> = {};
  const set = (name: string, value: string) => {
    if (value !== "") env[name] = value;
  };
  set("PULUMI_NODEJS_ORGANIZATION", configuration.getOrganization());
  set("PULUMI_NODEJS_PROJECT", configuration.getProject());
  set("PULUMI_NODEJS_STACK", configuration.getStack());
  set("PULUMI_NODEJS_DRY_RUN", String(configuration.getDryRun()));
  const config = Object.fromEntries(configuration.getConfigMap().entries());
  set("PULUMI_CONFIG", JSON.stringify(config));
  return env;
}
