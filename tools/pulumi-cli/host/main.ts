// pulumi-language-nodejs: the Node.js language host of the Pulumi CLI, for machines where the Go
// module of Pulumi's own host (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
// cannot be fetched from the module proxy. `npm run pulumi:cli` installs it beside the `pulumi`
// binary it builds only when that module is refused, and says so. docs/language-host.md lists
// where it still differs from Pulumi's host, and why.
import { spawnSync } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import * as languageGrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as languageProto from "@pulumi/pulumi/proto/language_pb";
import * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { HostArgsError, parseHostArgs } from "./args";
import { installDependencies } from "./install";
import { OptionsError, parseRuntimeOptions } from "./options";
import { incompatiblePulumiCopies, programDependencies, resolvePackageManager, scanPackages } from "./packages";
import { runPlugin } from "./plugin";
import { runProgram, type HostContext } from "./program";
import { killAll, stopAll } from "./processes";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const HOST_VERSION: string = require("@pulumi/pulumi/package.json").version;

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** A unary handler whose user errors (bad options, unreadable folders) become a clear gRPC error. */
function unary<Req, Res>(name: string, body: (request: Req) => Res): Unary<Req, Res> {
  return (call, callback) => {
    try {
      callback(null, body(call.request));
    } catch (error) {
      const message = error instanceof OptionsError ? `failed to parse options: ${error.message}` : (error as Error).message;
      callback({ code: grpc.status.UNKNOWN, details: `${name}: ${message}` });
    }
  };
}

const unimplemented = (name: string) => (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
  callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by this Node.js language host (tools/pulumi-cli); see docs/language-host.md` });

const optionsOf = (info: languageProto.ProgramInfo | undefined) => parseRuntimeOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);

function packageManagerVersion(manager: string): string {
  const result = spawnSync(manager, ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : "";
}

export function languageRuntime(host: HostContext): grpc.UntypedServiceImplementation {
  return {
    handshake: (call: grpc.ServerUnaryCall<languageProto.LanguageHandshakeRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      host.engineAddress = call.request.getEngineAddress();
      callback(null, new languageProto.LanguageHandshakeResponse());
    },
    // Pulumi's host answers UNIMPLEMENTED too: the engine asks GetRequiredPackages instead.
    getRequiredPlugins: unimplemented("GetRequiredPlugins"),
    getRequiredPackages: unary("GetRequiredPackages", (request: languageProto.GetRequiredPackagesRequest) => {
      const scan = scanPackages(request.getInfo()?.getProgramDirectory() || process.cwd());
      const warning = incompatiblePulumiCopies(scan.pulumiCopies);
      if (warning) process.stderr.write(warning);
      const response = new languageProto.GetRequiredPackagesResponse();
      for (const found of scan.packages) {
        const dependency = new pluginProto.PackageDependency();
        dependency.setName(found.name);
        dependency.setKind("resource");
        dependency.setVersion(found.version);
        dependency.setServer(found.server);
        if (found.parameterization) {
          const parameterization = new pluginProto.PackageParameterization();
          parameterization.setName(found.parameterization.name);
          parameterization.setVersion(found.parameterization.version);
          parameterization.setValue(Buffer.from(found.parameterization.value, "base64"));
          dependency.setParameterization(parameterization);
        }
        response.addPackages(dependency);
      }
      return response;
    }),
    run: runProgram(host),
    getPluginInfo: (_call: unknown, callback: grpc.sendUnaryData<pluginProto.PluginInfo>) => {
      const info = new pluginProto.PluginInfo();
      info.setVersion(HOST_VERSION);
      callback(null, info);
    },
    installDependencies,
    runtimeOptionsPrompts: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, new languageProto.RuntimeOptionsResponse()),
    template: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, new languageProto.TemplateResponse()),
    about: unary("About", (request: languageProto.AboutRequest) => {
      const info = request.getInfo();
      const manager = resolvePackageManager(optionsOf(info).packageManager, info?.getProgramDirectory() || process.cwd());
      const about = new languageProto.AboutResponse();
      about.setExecutable(process.execPath);
      about.setVersion(process.version);
      about.getMetadataMap().set("packagemanager", manager);
      about.getMetadataMap().set("packagemanagerVersion", packageManagerVersion(manager));
      return about;
    }),
    getProgramDependencies: unary("GetProgramDependencies", (request: languageProto.GetProgramDependenciesRequest) => {
      const info = request.getInfo();
      optionsOf(info);
      const response = new languageProto.GetProgramDependenciesResponse();
      for (const dependency of programDependencies(info?.getProgramDirectory() || process.cwd(), request.getTransitivedependencies())) {
        const entry = new languageProto.DependencyInfo();
        entry.setName(dependency.name);
        entry.setVersion(dependency.version);
        response.addDependencies(entry);
      }
      return response;
    }),
    runPlugin: (call: grpc.ServerWritableStream<languageProto.RunPluginRequest, languageProto.RunPluginResponse>) => {
      runPlugin(call).catch((error: Error) => call.emit("error", { code: grpc.status.UNKNOWN, details: `RunPlugin: ${error.message}` }));
    },
    generateProgram: unimplemented("GenerateProgram"),
    generateProject: unimplemented("GenerateProject"),
    generatePackage: unimplemented("GeneratePackage"),
    pack: unimplemented("Pack"),
    link: unimplemented("Link"),
    cancel: (_call: unknown, callback: grpc.sendUnaryData<Empty>) => {
      stopAll();
      callback(null, new Empty());
    },
  };
}

function main(argv: string[]): void {
  let args;
  try {
    args = parseHostArgs(argv);
  } catch (error) {
    if (!(error instanceof HostArgsError)) throw error;
    process.stderr.write(`pulumi-language-nodejs: ${error.message}\n`);
    process.exit(2);
  }
  if (args.version) {
    process.stdout.write(`${HOST_VERSION}\n`);
    process.exit(0);
  }
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(languageGrpc.LanguageRuntimeService, languageRuntime({ engineAddress: args.engineAddress, tracing: args.tracing }));
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      process.stderr.write(`could not start language host RPC server: ${error.message}\n`);
      process.exit(1);
    }
    // The engine reads the port from the first line of stdout.
    process.stdout.write(`${port}\n`);
  });
  // The engine stops its plugins with an interrupt (then a kill): stop the children the same way and leave.
  process.on("SIGINT", () => {
    stopAll();
    process.exit(0);
  });
  process.on("SIGTERM", () => {
    killAll();
    process.exit(0);
  });
  // Orphaned (the engine died without closing us): leave too, as Pulumi's host does when its engine health check fails.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      killAll();
      process.exit(1);
    }
  }, 1000).unref();
}

if (require.main === module) main(process.argv.slice(2));
