// RunPlugin, as Pulumi's host runs plugins written in Node: policy packs (kind "analyzer") through
// @pulumi/pulumi/cmd/run-policy-pack in the pack's folder, behind the policy proxy; other plugins
// (a folder with PulumiPlugin.yaml, `runtime: nodejs`) through @pulumi/pulumi/cmd/run-plugin in
// the engine's working directory. Output streams back to the engine; failures end the call with
// an error, never leave it open.
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import * as languageProto from "@pulumi/pulumi/proto/language_pb";
import { OptionsError, parseRuntimeOptions, typescriptEnv } from "./options";
import { policyPackEnv, PolicyProxy } from "./policy-proxy";
import { DEBUGGER_UNSUPPORTED } from "./program";
import { envFromList, locateModule, track } from "./processes";

type RunPluginCall = grpc.ServerWritableStream<languageProto.RunPluginRequest, languageProto.RunPluginResponse>;

function streams(call: RunPluginCall) {
  const send = (kind: "stdout" | "stderr") => (chunk: Buffer) => {
    if (call.cancelled || call.writableEnded) return;
    const message = new languageProto.RunPluginResponse();
    if (kind === "stdout") message.setStdout(chunk);
    else message.setStderr(chunk);
    call.write(message);
  };
  return { stdout: send("stdout"), stderr: send("stderr") };
}

/** Ends the call with an error status (a destroyed stream would never send one, and the engine would wait forever). */
export function failCall(call: grpc.ServerWritableStream<unknown, unknown>, message: string): void {
  if (call.writableEnded) return;
  call.emit("error", { code: grpc.status.UNKNOWN, details: message });
}

export async function runPlugin(call: RunPluginCall): Promise<void> {
  const request = call.request;
  const info = request.getInfo();
  const pluginDirectory = info?.getProgramDirectory() ?? "";
  if (!pluginDirectory) return failCall(call, "RunPlugin needs the plugin's folder (info.programDirectory)");
  if (request.getAttachDebugger()) return failCall(call, DEBUGGER_UNSUPPORTED);
  let options;
  try {
    options = parseRuntimeOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
  } catch (error) {
    if (error instanceof OptionsError) return failCall(call, error.message);
    throw error;
  }
  const isPolicyPack = request.getKind() === "analyzer";
  const entry = isPolicyPack ? "@pulumi/pulumi/cmd/run-policy-pack" : process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || "@pulumi/pulumi/cmd/run-plugin";
  const runPath = locateModule(entry, pluginDirectory, `npm install in ${pluginDirectory}`);
  if ("error" in runPath) return failCall(call, runPath.error);

  // As Pulumi's host: nodeargs go after the run script, and a policy pack's folder comes last.
  const args = [runPath.path, ...options.nodeArgs];
  if (isPolicyPack) args.push(...request.getArgsList(), pluginDirectory);
  else args.push(pluginDirectory, ...request.getArgsList());
  const env = { ...envFromList(request.getEnvList()), ...typescriptEnv(options) };
  const out = streams(call);

  let proxy: PolicyProxy | undefined;
  if (isPolicyPack) {
    proxy = await PolicyProxy.start();
    // The engine reads the plugin's port from its first line of output: ours, until the pack runs.
    out.stdout(Buffer.from(`${proxy.port}\n`));
    const configuration = await Promise.race([proxy.configuration, new Promise<undefined>((resolve) => call.once("cancelled", () => resolve(undefined)))]);
    if (call.cancelled) return proxy.close();
    Object.assign(env, policyPackEnv(configuration));
  }

  const child = track(spawn(process.execPath, args, { cwd: isPolicyPack ? pluginDirectory : request.getPwd() || undefined, env, stdio: ["ignore", "pipe", "pipe"] }));
  call.on("cancelled", () => child.kill("SIGKILL"));
  child.stderr!.on("data", out.stderr);
  if (proxy) forwardAfterPort(child.stdout!, proxy, out.stdout);
  else child.stdout!.on("data", out.stdout);
  child.on("error", (error) => {
    proxy?.fail(error);
    proxy?.close();
    failCall(call, `Problem executing plugin program (could not run language executor): ${error.message}`);
  });
  child.on("close", (code, signal) => {
    proxy?.fail(new Error(`the policy pack exited (${signal ?? `code ${code}`}) before it printed its port`));
    proxy?.close();
    if (code === 0) call.end();
    else failCall(call, `Program exited with non-zero exit code: ${code ?? `-1 (stopped by ${signal})`}`);
  });
}

/** The pack's first stdout line is its port, for the proxy; the rest is the pack's own output. */
function forwardAfterPort(stdout: NodeJS.ReadableStream, proxy: PolicyProxy, forward: (chunk: Buffer) => void): void {
  let pending = "";
  let attached = false;
  stdout.on("data", (chunk: Buffer) => {
    if (attached) return forward(chunk);
    pending += chunk.toString("utf8");
    const newline = pending.indexOf("\n");
    if (newline < 0) return;
    attached = true;
    const port = Number(pending.slice(0, newline).trim());
    const rest = pending.slice(newline + 1);
    if (rest) forward(Buffer.from(rest));
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      proxy.fail(new Error(`could not read the policy pack's port from "${pending.slice(0, newline).trim()}"`));
      return;
    }
    proxy.attach(port).catch(() => undefined);
  });
}
