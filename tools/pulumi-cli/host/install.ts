// InstallDependencies: the package manager Pulumi's host would pick (packagemanager option, else
// lock files), its output streamed back to the engine.
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import * as languageProto from "@pulumi/pulumi/proto/language_pb";
import { OptionsError, parseRuntimeOptions } from "./options";
import { INSTALL_ARGS, resolvePackageManager } from "./packages";
import { track } from "./processes";
import { failCall } from "./plugin";

type InstallCall = grpc.ServerWritableStream<languageProto.InstallDependenciesRequest, languageProto.InstallDependenciesResponse>;

export function installDependencies(call: InstallCall): void {
  const info = call.request.getInfo();
  const directory = info?.getProgramDirectory() || call.request.getDirectory() || process.cwd();
  let manager;
  try {
    const options = parseRuntimeOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
    manager = resolvePackageManager(options.packageManager, directory);
  } catch (error) {
    if (error instanceof OptionsError) return failCall(call, `failed to parse options: ${error.message}`);
    throw error;
  }
  const send = (kind: "stdout" | "stderr", chunk: Buffer | string) => {
    if (call.cancelled || call.writableEnded) return;
    const message = new languageProto.InstallDependenciesResponse();
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (kind === "stdout") message.setStdout(bytes);
    else message.setStderr(bytes);
    call.write(message);
  };
  send("stdout", "Installing dependencies...\n\n");
  const child = track(spawn(manager, INSTALL_ARGS[manager], { cwd: directory, stdio: ["ignore", "pipe", "pipe"] }));
  call.on("cancelled", () => child.kill("SIGINT"));
  child.stdout!.on("data", (chunk: Buffer) => send("stdout", chunk));
  child.stderr!.on("data", (chunk: Buffer) => send("stderr", chunk));
  child.on("error", (error) => failCall(call, `could not run ${manager}: ${error.message}`));
  child.on("close", (code) => {
    if (code !== 0) return failCall(call, `${manager} install in ${directory} exited with code ${code}`);
    send("stdout", "Finished installing dependencies\n\n");
    call.end();
  });
}
