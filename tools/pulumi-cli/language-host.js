#!/usr/bin/env node
// @ts-check
// pulumi-language-nodejs: the Node.js language host of the Pulumi CLI, for machines where the Go
// module of Pulumi's own host (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
// cannot be fetched from the module proxy. `npm run pulumi:cli` installs it beside the `pulumi`
// binary it builds only when that module is refused, and says so.
//
// It speaks the engine's LanguageRuntime protocol and runs programs exactly as Pulumi's host does:
// `node <program's @pulumi/pulumi/cmd/run> --monitor ... <entry point>`, so the program's own copy of
// the Pulumi SDK compiles (and type-checks) TypeScript with its vendored ts-node, registers
// resources and talks to the engine. What this host leaves out is what no program of this package
// needs: code generation (GenerateProgram/Project/Package), Pack, Link, RunPlugin (Node.js resource
// plugins) and debugger attachment; the engine is told those are unimplemented.
"use strict";

const { spawn } = require("child_process");

// The gRPC runtime and Pulumi's generated protocol come from the copy of @pulumi/pulumi installed
// beside this file (see build.ts), so the host works for any program folder.
const grpc = require("@grpc/grpc-js");
const languageGrpc = require("@pulumi/pulumi/proto/language_grpc_pb");
const languageProto = require("@pulumi/pulumi/proto/language_pb");
const pluginProto = require("@pulumi/pulumi/proto/plugin_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

const HOST_VERSION = require("@pulumi/pulumi/package.json").version;
// @pulumi/pulumi's run entry exits with this code after it has shown the user an actionable message.
const EXITED_AFTER_USER_MESSAGE = 32;

const engineAddress = process.argv.slice(2).find((arg) => !arg.startsWith("-")) ?? "";
/** @type {Set<import("child_process").ChildProcess>} */
const running = new Set();

/** @param {string} programDirectory */
function locateRunEntry(programDirectory) {
  try {
    return { path: require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDirectory] }) };
  } catch {
    return {
      error:
        `It looks like the Pulumi SDK has not been installed in ${programDirectory}: ` +
        "run `npm install` there (the program needs @pulumi/pulumi in its node_modules).",
    };
  }
}

/** @param {Record<string, unknown>} options */
function runtimeEnvironment(options) {
  /** @type {Record<string, string>} */
  const env = {};
  const typescript = options.typescript === undefined ? true : options.typescript;
  if (typeof typescript !== "boolean") throw new Error("typescript option must be a boolean");
  if (typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (options.tsconfig !== undefined) {
    if (typeof options.tsconfig !== "string") throw new Error("tsconfig option must be a string");
    env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  }
  if (options.nodeargs !== undefined && typeof options.nodeargs !== "string") {
    throw new Error("nodeargs option must be a string");
  }
  const nodeArgs = typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  return { env, nodeArgs };
}

/** The SDK reads config as `<namespace>:config:<name>`, the form every SDK version understands. */
/** @param {Map<string, string> | any} configMap */
function programConfig(configMap) {
  /** @type {Record<string, string>} */
  const config = {};
  for (const [key, value] of configMap.entries()) {
    const colon = key.indexOf(":");
    const namespaced = colon < 0 || key.slice(colon + 1).startsWith("config:")
      ? key
      : `${key.slice(0, colon)}:config:${key.slice(colon + 1)}`;
    config[namespaced] = value;
  }
  return config;
}

/** @param {any} request */
function runArguments(request, runEntry) {
  const info = request.getInfo();
  const args = [runEntry];
  /** @param {string} flag @param {string | number | undefined} value */
  const add = (flag, value) => {
    if (value !== undefined && value !== "") args.push(`--${flag}`, String(value));
  };
  add("monitor", request.getMonitorAddress());
  add("engine", engineAddress);
  add("organization", request.getOrganization());
  add("project", request.getProject());
  add("root-directory", info?.getRootDirectory());
  add("stack", request.getStack());
  add("pwd", info?.getProgramDirectory() || request.getPwd());
  if (request.getDryrun()) args.push("--dry-run");
  add("parallel", request.getParallel());
  args.push(info?.getEntryPoint() || request.getProgram() || ".");
  args.push(...request.getArgsList());
  return args;
}

/** @param {any} call @param {Function} callback */
function run(call, callback) {
  const request = call.request;
  const response = new languageProto.RunResponse();
  const programDirectory = request.getInfo()?.getProgramDirectory() || request.getPwd() || process.cwd();
  const located = locateRunEntry(programDirectory);
  if (!located.path) {
    response.setError(located.error);
    return callback(null, response);
  }
  let runtime;
  try {
    runtime = runtimeEnvironment(request.getInfo()?.getOptions()?.toJavaScript() ?? {});
  } catch (error) {
    response.setError(/** @type {Error} */ (error).message);
    return callback(null, response);
  }
  const child = spawn(process.execPath, [...runtime.nodeArgs, ...runArguments(request, located.path)], {
    cwd: programDirectory,
    env: {
      ...process.env,
      ...runtime.env,
      PULUMI_CONFIG: JSON.stringify(programConfig(request.getConfigMap())),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(request.getConfigsecretkeysList()),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  running.add(child);
  child.on("error", (error) => {
    running.delete(child);
    response.setError(`Problem executing program (could not run node): ${error.message}`);
    callback(null, response);
  });
  child.on("exit", (code, signal) => {
    running.delete(child);
    if (code === EXITED_AFTER_USER_MESSAGE) response.setBail(true);
    else if (signal) response.setError(`Program was stopped by signal ${signal}`);
    else if (code !== 0) response.setError(`Program exited with non-zero exit code: ${code}`);
    callback(null, response);
  });
}

/** @param {any} call */
function installDependencies(call) {
  const directory = call.request.getDirectory() || process.cwd();
  const child = spawn("npm", ["install"], { cwd: directory, stdio: ["ignore", "pipe", "pipe"] });
  const forward = (/** @type {"setStdout" | "setStderr"} */ setter) => (/** @type {Buffer} */ chunk) => {
    const message = new languageProto.InstallDependenciesResponse();
    message[setter](chunk);
    call.write(message);
  };
  child.stdout.on("data", forward("setStdout"));
  child.stderr.on("data", forward("setStderr"));
  child.on("error", (error) => call.destroy(error));
  child.on("exit", (code) => {
    if (code === 0) call.end();
    else call.destroy(Object.assign(new Error(`npm install in ${directory} exited with code ${code}`), { code: grpc.status.UNKNOWN }));
  });
}

const unimplemented = (/** @type {string} */ name) => (/** @type {any} */ _call, /** @type {Function} */ callback) =>
  callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by this Node.js language host` });

const implementation = {
  handshake: (_call, callback) => callback(null, new languageProto.LanguageHandshakeResponse()),
  getRequiredPlugins: (_call, callback) => callback(null, new languageProto.GetRequiredPluginsResponse()),
  getRequiredPackages: (_call, callback) => callback(null, new languageProto.GetRequiredPackagesResponse()),
  run,
  getPluginInfo: (_call, callback) => {
    const info = new pluginProto.PluginInfo();
    info.setVersion(HOST_VERSION);
    callback(null, info);
  },
  installDependencies,
  runtimeOptionsPrompts: (_call, callback) => callback(null, new languageProto.RuntimeOptionsResponse()),
  template: unimplemented("Template"),
  about: (_call, callback) => {
    const about = new languageProto.AboutResponse();
    about.setExecutable(process.execPath);
    about.setVersion(process.version);
    callback(null, about);
  },
  getProgramDependencies: (_call, callback) => callback(null, new languageProto.GetProgramDependenciesResponse()),
  runPlugin: (call) => call.destroy({ code: grpc.status.UNIMPLEMENTED, details: "RunPlugin is not implemented by this Node.js language host" }),
  generateProgram: unimplemented("GenerateProgram"),
  generateProject: unimplemented("GenerateProject"),
  generatePackage: unimplemented("GeneratePackage"),
  pack: unimplemented("Pack"),
  link: unimplemented("Link"),
  cancel: (_call, callback) => {
    for (const child of running) child.kill("SIGINT");
    callback(null, new Empty());
  },
};

if (process.argv.includes("--version") || process.argv.includes("-version")) {
  process.stdout.write(`${HOST_VERSION}\n`);
  process.exit(0);
}

const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
server.addService(languageGrpc.LanguageRuntimeService, implementation);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`could not start the language host's gRPC server: ${error.message}\n`);
    process.exit(1);
  }
  // The engine reads the port from the first line of stdout.
  process.stdout.write(`${port}\n`);
});
// The engine stops its plugins by closing them; leave with it.
process.on("SIGINT", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
// Orphaned (the engine died without closing us): leave too, as Pulumi's host does after its health check fails.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1000).unref();
