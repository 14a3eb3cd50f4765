// Run: the program runs as Pulumi's host runs it: `node [nodeargs] <program's @pulumi/pulumi/cmd/run>
// --monitor ... <entry point>`, in the host's working directory (the project's, where the engine
// starts the host); `run` itself moves into the program folder (`--pwd`).
import { spawn } from "node:child_process";
import type * as grpc from "@grpc/grpc-js";
import * as languageProto from "@pulumi/pulumi/proto/language_pb";
import { OptionsError, parseRuntimeOptions, typescriptEnv } from "./options";
import { locateModule, stop, track } from "./processes";

/** @pulumi/pulumi's run entry exits with this code after it has shown the user an actionable message. */
const EXITED_AFTER_USER_MESSAGE = 32;

export interface HostContext {
  engineAddress: string;
  tracing: string;
}

export function runArguments(request: languageProto.RunRequest, runPath: string, host: HostContext): string[] {
  const info = request.getInfo();
  const args = [runPath];
  const add = (flag: string, value: string) => {
    if (value !== "") args.push(`--${flag}`, value);
  };
  add("monitor", request.getMonitorAddress());
  add("engine", host.engineAddress);
  add("organization", request.getOrganization());
  add("project", request.getProject());
  add("root-directory", info?.getRootDirectory() ?? "");
  add("stack", request.getStack());
  add("pwd", info?.getProgramDirectory() || request.getPwd());
  if (request.getDryrun()) args.push("--dry-run");
  add("parallel", String(request.getParallel()));
  add("tracing", host.tracing);
  args.push(info?.getEntryPoint() || request.getProgram() || ".");
  args.push(...request.getArgsList());
  return args;
}

/** Config keys as `<namespace>:config:<name>`, the form every SDK version reads (as Pulumi's host sends them). */
export function programConfig(config: Iterable<[string, string]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of config) {
    const colon = key.indexOf(":");
    const namespaced = colon < 0 || key.slice(colon + 1).startsWith("config:") ? key : `${key.slice(0, colon)}:config:${key.slice(colon + 1)}`;
    result[namespaced] = value;
  }
  return result;
}

export function runProgram(host: HostContext) {
  return (call: grpc.ServerUnaryCall<languageProto.RunRequest, languageProto.RunResponse>, callback: grpc.sendUnaryData<languageProto.RunResponse>) => {
    const request = call.request;
    const respond = (fields: { error?: string; bail?: boolean }) => {
      const response = new languageProto.RunResponse();
      if (fields.error) response.setError(fields.error);
      if (fields.bail) response.setBail(true);
      callback(null, response);
    };
    if (request.getAttachDebugger()) return respond({ error: DEBUGGER_UNSUPPORTED });
    const info = request.getInfo();
    const programDirectory = info?.getProgramDirectory() || request.getPwd() || process.cwd();
    let options;
    try {
      options = parseRuntimeOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
    } catch (error) {
      if (error instanceof OptionsError) return respond({ error: error.message });
      throw error;
    }
    const runPath = locateModule(process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || "@pulumi/pulumi/cmd/run", programDirectory, "pulumi install");
    if ("error" in runPath) return respond({ error: runPath.error });
    const child = track(
      spawn(process.execPath, [...options.nodeArgs, ...runArguments(request, runPath.path, host)], {
        env: {
          ...process.env,
          PULUMI_CONFIG: JSON.stringify(programConfig(request.getConfigMap().entries())),
          PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(request.getConfigsecretkeysList()),
          ...typescriptEnv(options),
        },
        stdio: ["ignore", "inherit", "inherit"],
      }),
    );
    // The engine gave up on this run (it was cancelled or died): stop the program as Cancel does.
    call.on("cancelled", () => stop(child));
    child.on("error", (error) => respond({ error: `Problem executing program (could not run language executor): ${error.message}` }));
    child.on("exit", (code, signal) => {
      if (code === 0) respond({});
      else if (code === EXITED_AFTER_USER_MESSAGE) respond({ bail: true });
      else respond({ error: `Program exited with non-zero exit code: ${code ?? `-1 (stopped by ${signal})`}` });
    });
  };
}

export const DEBUGGER_UNSUPPORTED =
  "--attach-debugger is not supported by this Node.js language host (tools/pulumi-cli): run the program with " +
  'runtime option nodeargs: "--inspect-brk" instead, or use Pulumi\'s own pulumi-language-nodejs';
