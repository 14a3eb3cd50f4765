/**
 * The Node.js language host (tools/pulumi-cli/host) on its own: started as the engine starts it,
 * then called over gRPC as the engine calls it. No CLI needed; the program and plugin runners are a
 * stand-in script (fixtures/host/fake-run.js) that reports how it was started.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as languageGrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as languageProto from "@pulumi/pulumi/proto/language_pb";
import { ROOT } from "../helpers/build";

jest.setTimeout(60_000);

const MAIN = path.join(ROOT, "tools", "pulumi-cli", "host", "main.ts");
// tsx as a loader, by path: the host runs from a temp folder, where `--import tsx` would not resolve.
const TSX = pathToFileURL(require.resolve("tsx", { paths: [ROOT] })).href;
const FAKE_RUN = path.join(__dirname, "fixtures", "host", "fake-run.js");

/** Starts the host as the engine does (`[flags] <engine address>`); resolves with its port and output. */
function startHost(args: string[], cwd: string) {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd,
    env: { ...process.env, PULUMI_LANGUAGE_NODEJS_RUN_PATH: FAKE_RUN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  /** Resolves once the host's output (its own and its children's) matches. */
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve) => {
      const check = () => {
        const match = output.match(pattern);
        if (!match) return;
        listeners.delete(check);
        resolve(match);
      };
      listeners.add(check);
      check();
    });
  return { child, waitFor, output: () => output };
}

const options = (values: Record<string, unknown>) => Struct.fromJavaScript(values as never);

function programInfo(dir: string, opts: Record<string, unknown> = {}): languageProto.ProgramInfo {
  const info = new languageProto.ProgramInfo();
  info.setRootDirectory(dir);
  info.setProgramDirectory(dir);
  info.setEntryPoint(".");
  info.setOptions(options(opts));
  return info;
}

// A bound, not an assertion: a hanging RPC fails as DEADLINE_EXCEEDED instead of at the test timeout.
const deadline = () => ({ deadline: Date.now() + 30_000 });
const meta = () => new grpc.Metadata();

describe("the Node.js language host on its own", () => {
  let root: string;
  let host: ReturnType<typeof startHost>;
  let client: languageGrpc.LanguageRuntimeClient;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "language-host-"));
    fs.mkdirSync(path.join(root, "program"));
    // Flags first, the engine address last, as the engine starts hosts under `pulumi up --tracing file:...`.
    host = startHost(["--logtostderr", "-v=3", "--tracing", "tcp://127.0.0.1:9", "127.0.0.1:1"], root);
    const [, port] = await host.waitFor(/^(\d+)\n/m);
    client = new languageGrpc.LanguageRuntimeClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    host?.child.kill("SIGKILL");
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("starts with flags before the engine address and serves its version", async () => {
    const info = await new Promise<string>((resolve, reject) =>
      client.getPluginInfo(new Empty(), meta(), deadline(), (error, response) => (error ? reject(error) : resolve(response!.getVersion()))),
    );
    expect(info).toBe(require("@pulumi/pulumi/package.json").version);
  });

  test("an RPC it does not implement answers UNIMPLEMENTED at once, naming itself", async () => {
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.generateProject(new languageProto.GenerateProjectRequest(), meta(), deadline(), (e) => resolve(e)),
    );
    expect(error?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error?.details).toMatch(/GenerateProject is not implemented by this Node\.js language host/);
  });

  test("RunPlugin for a folder without @pulumi/pulumi ends with that error instead of hanging", async () => {
    const pack = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
    const request = new languageProto.RunPluginRequest();
    request.setInfo(programInfo(pack));
    request.setKind("analyzer");
    const stream = client.runPlugin(request, meta(), deadline());
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      stream.on("data", () => undefined);
      stream.on("error", resolve);
    });
    fs.rmSync(pack, { recursive: true, force: true });
    expect(error.code).not.toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(error.details).toMatch(/Pulumi SDK has not been installed\. Have you run npm install in .*policy-pack-/);
  });

  test("RunPlugin runs a Node plugin with its folder first, in the engine's working directory, streaming its output", async () => {
    const plugin = path.join(root, "plugin");
    fs.mkdirSync(plugin, { recursive: true });
    const request = new languageProto.RunPluginRequest();
    request.setInfo(programInfo(plugin, { typescript: false }));
    request.setKind("resource");
    request.setPwd(root);
    request.setArgsList(["127.0.0.1:1"]);
    request.setEnvList([`PATH=${process.env.PATH}`]);
    let stdout = "";
    const ended = await new Promise<string>((resolve) => {
      const stream = client.runPlugin(request, meta(), deadline());
      stream.on("data", (message: languageProto.RunPluginResponse) => (stdout += Buffer.from(message.getStdout_asU8()).toString()));
      stream.on("error", (e: Error) => resolve(e.message));
      stream.on("end", () => resolve("end"));
    });
    expect(ended).toBe("end");
    const report = JSON.parse(stdout.match(/FAKE-RUN (.*)/)![1]) as { argv: string[]; cwd: string; typescript: string | null };
    expect(report.argv).toEqual([plugin, "127.0.0.1:1"]);
    expect(report.cwd).toBe(fs.realpathSync(root));
    expect(report.typescript).toBeNull();
  });

  test("GetRequiredPackages lists the Pulumi packages in node_modules, skipping nested policy packs", async () => {
    const program = path.join(root, "packages");
    const write = (rel: string, json: object) => {
      fs.mkdirSync(path.join(program, rel), { recursive: true });
      fs.writeFileSync(path.join(program, rel, "package.json"), JSON.stringify(json));
    };
    write("node_modules/@pulumi/random", { name: "@pulumi/random", version: "4.16.0", pulumi: { resource: true } });
    write("node_modules/acme-stripe", { name: "acme-stripe", version: "1.2.3", pulumi: { resource: true, name: "acme", server: "https://example.test" } });
    write("node_modules/left-pad", { name: "left-pad", version: "1.3.0" });
    write("policy/node_modules/@pulumi/aws", { name: "@pulumi/aws", version: "6.0.0", pulumi: { resource: true } });
    fs.writeFileSync(path.join(program, "policy", "PulumiPolicy.yaml"), "runtime: nodejs\n");
    const request = new languageProto.GetRequiredPackagesRequest();
    request.setInfo(programInfo(program));
    const packages = await new Promise<languageProto.GetRequiredPackagesResponse>((resolve, reject) =>
      client.getRequiredPackages(request, meta(), deadline(), (error, response) => (error ? reject(error) : resolve(response!))),
    );
    const found = packages.getPackagesList().map((p) => `${p.getName()} ${p.getVersion()} ${p.getKind()} ${p.getServer()}`.trim());
    expect(found.sort()).toEqual(["acme v1.2.3 resource https://example.test", "random v4.16.0 resource"]);
  });

  test("a packagemanager Pulumi does not know is refused by name", async () => {
    const request = new languageProto.RunRequest();
    request.setInfo(programInfo(path.join(root, "program"), { packagemanager: "cargo" }));
    const response = await new Promise<languageProto.RunResponse>((resolve, reject) =>
      client.run(request, meta(), deadline(), (error, r) => (error ? reject(error) : resolve(r!))),
    );
    expect(response.getError()).toBe('packagemanager option must be one of auto, npm, yarn, pnpm or bun, got "cargo"');
  });

  test("About names the package manager the lock file implies", async () => {
    const program = path.join(root, "yarn-program");
    fs.mkdirSync(program, { recursive: true });
    fs.writeFileSync(path.join(program, "yarn.lock"), "");
    const request = new languageProto.AboutRequest();
    request.setInfo(programInfo(program));
    const about = await new Promise<languageProto.AboutResponse>((resolve, reject) =>
      client.about(request, meta(), deadline(), (error, r) => (error ? reject(error) : resolve(r!))),
    );
    expect(about.getExecutable()).toBe(process.execPath);
    expect(about.getMetadataMap().get("packagemanager")).toBe("yarn");
  });

  test("Run starts node with nodeargs split as a shell would, in the host's folder, passing --tracing; Cancel interrupts, then kills", async () => {
    const program = path.join(root, "program");
    const request = new languageProto.RunRequest();
    request.setInfo(programInfo(program, { nodeargs: "--max-old-space-size=256 --title 'pulumi program'" }));
    request.setMonitorAddress("127.0.0.1:2");
    request.setProject("p");
    request.setStack("dev");
    const response = new Promise<languageProto.RunResponse>((resolve, reject) =>
      client.run(request, meta(), deadline(), (error, r) => (error ? reject(error) : resolve(r!))),
    );
    const [, reported] = await host.waitFor(/FAKE-RUN (\{.*"--monitor".*\})\n/);
    const report = JSON.parse(reported) as { argv: string[]; execArgv: string[]; cwd: string; typescript: string | null };
    expect(report.execArgv).toEqual(["--max-old-space-size=256", "--title", "pulumi program"]);
    expect(report.cwd).toBe(fs.realpathSync(root));
    expect(report.typescript).toBe("true");
    expect(report.argv.join(" ")).toContain("--tracing tcp://127.0.0.1:9");
    expect(report.argv).toEqual(expect.arrayContaining(["--pwd", program, "--engine", "127.0.0.1:1", "--parallel", "0"]));

    await new Promise((resolve, reject) => client.cancel(new Empty(), meta(), deadline(), (error) => (error ? reject(error) : resolve(undefined))));
    await host.waitFor(/FAKE-RUN got SIGINT, ignoring it/);
    // The program ignored the interrupt: the host kills it (5 s later, as Pulumi's host does).
    expect((await response).getError()).toMatch(/non-zero exit code: -1 \(stopped by SIGKILL\)/);
  });
});
