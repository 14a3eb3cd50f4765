/**
 * Runs a Pulumi program inside the runner process, against the program's OWN @pulumi/pulumi.
 *
 * TypeScript is loaded the way the nodejs language host loads it (Pulumi's `tsutils` picks the
 * program's `typescript` or the vendored one, and Pulumi's vendored ts-node registers it), the
 * program runs inside the root `pulumi:pulumi:Stack` component (`runInPulumiStack`), and
 * `pulumi.runtime.setMocks` provides the resource monitor. The mocks API only hands `newResource`
 * a type, name and inputs, while the engine's rules need the resource options (parent, protect,
 * retainOnDelete, deleteBeforeReplace, additionalSecretOutputs, ignore/replaceOnChanges), so the
 * mock monitor's `registerResource` is replaced with one that reads the full request and asks the
 * Engine for the step.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Engine, Registration } from "./engine";
import type { PulumiRequire } from "./provider-client";
import type { JsonObject } from "./types";

type Msg = Record<string, (...args: never[]) => unknown>;
type Callback = (err: Error | null, resp?: unknown) => void;
interface MockMonitor {
  resources: Map<string, { urn: string; id: string | null; state: JsonObject }>;
  registerResource(req: Msg, cb: Callback): void;
  registerResourceOutputs(req: Msg, cb: Callback): void;
  readResource(req: Msg, cb: Callback): void;
}
interface PulumiRuntime {
  runtime: {
    setMocks(mocks: object, project: string, stack: string, preview: boolean): Promise<void>;
  };
}

/**
 * Registers TypeScript as Pulumi's language host does, type-checking included: transpile-only only
 * when `PULUMI_NODEJS_TRANSPILE_ONLY=true` or the tsconfig sets `noCheck`, as `pulumi up` decides.
 */
export function registerTypeScript(pulumiRequire: PulumiRequire): void {
  const tsutils = pulumiRequire("./tsutils") as {
    typeScriptRequireStrings(): { typescriptRequire: string; tsnodeRequire: string };
    loadTypeScriptCompilerOptions(file: string): Record<string, unknown>;
  };
  const tsConfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
  const { typescriptRequire, tsnodeRequire } = tsutils.typeScriptRequireStrings();
  const ts = pulumiRequire(typescriptRequire) as { version: string };
  const [major, minor] = ts.version.split(".").map(Number);
  const nodeNext = major > 4 || (major === 4 && minor >= 7);
  const tsn = pulumiRequire(tsnodeRequire) as { register(options: object): void };
  const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
  const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
  tsn.register({
    compiler: typescriptRequire,
    transpileOnly: transpileOnlyEnv ? transpileOnlyEnv === "true" : compilerOptions.noCheck === true,
    project: tsConfigPath,
    skipProject: !fs.existsSync(tsConfigPath),
    compilerOptions: {
      target: "ES2020",
      module: nodeNext ? "nodenext" : "commonjs",
      moduleResolution: nodeNext ? "nodenext" : "node",
      sourceMap: "true",
      ...compilerOptions,
    },
  });
}

/** Installs the mocks and the step-performing monitor, then runs the program to completion. */
export async function runProgram(opts: {
  pulumiRequire: PulumiRequire;
  programDir: string;
  main: string;
  project: string;
  stack: string;
  engine: Engine;
}): Promise<void> {
  const { pulumiRequire, engine } = opts;
  const pulumi = pulumiRequire("./index.js") as PulumiRuntime;
  const settings = pulumiRequire("./runtime/settings") as { getMonitor(): MockMonitor; waitForRPCs(): Promise<void> };
  const stackModule = pulumiRequire("./runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
  const resproto = pulumiRequire("./proto/resource_pb") as Record<string, new () => Msg>;
  const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(v: JsonObject): Msg } };

  const mocks = {
    newResource(args: { type: string; name: string }): never {
      throw new Error(`${args.type} "${args.name}": reading existing resources (\`.get\`) is not supported by the harness`);
    },
    call(args: { token: string }): never {
      throw new Error(`invoke ${args.token}: provider functions are not supported by the harness`);
    },
  };
  await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, engine.preview);
  const monitor = settings.getMonitor();

  monitor.registerResource = (req, callback) => {
    const bool = (getter: string, has?: string): boolean => (has && !(req[has]() as boolean) ? false : Boolean(req[getter]()));
    const object = req.getObject() as Msg | undefined;
    const reg: Registration = {
      type: req.getType() as string,
      name: req.getName() as string,
      parent: req.getParent() as string,
      custom: req.getCustom() as boolean,
      inputs: object ? (object.toJavaScript() as JsonObject) : {},
      dependencies: req.getDependenciesList() as string[],
      protect: bool("getProtect", "hasProtect"),
      retainOnDelete: bool("getRetainondelete", "hasRetainondelete"),
      deleteBeforeReplace: bool("getDeletebeforereplace"),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList() as string[],
      ignoreChanges: req.getIgnorechangesList() as string[],
      replaceOnChanges: req.getReplaceonchangesList() as string[],
    };
    engine.register(reg).then(
      ({ urn, id, object: outputs }) => {
        monitor.resources.set(urn, { urn, id: id || null, state: outputs });
        const resp = new resproto.RegisterResourceResponse();
        (resp.setUrn as (v: string) => void).call(resp, urn);
        (resp.setId as (v: string) => void).call(resp, id);
        (resp.setObject as (v: Msg) => void).call(resp, Struct.fromJavaScript(outputs));
        callback(null, resp);
      },
      (error: Error) => callback(error),
    );
  };
  monitor.registerResourceOutputs = (req, callback) => {
    const outputs = req.getOutputs() as Msg | undefined;
    engine.registerOutputs(req.getUrn() as string, outputs ? (outputs.toJavaScript() as JsonObject) : {});
    callback(null, {});
  };

  const entry = path.resolve(opts.programDir, opts.main);
  await stackModule.runInPulumiStack(async () => {
    // A folder is required with a trailing slash so Node reads its package.json `main` / index.
    const target = fs.statSync(entry).isDirectory() ? entry + path.sep : entry;
    const exported = require(target) as unknown;
    return exported instanceof Function ? (exported as () => unknown)() : exported;
  });
  await settings.waitForRPCs();
}

/** Real paths of every @pulumi/pulumi loaded in this process (the program must load one). */
export function loadedPulumiCopies(): string[] {
  const copies = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const m = /^(.*[\\/]node_modules[\\/]@pulumi[\\/]pulumi)[\\/]/.exec(file);
    if (m) copies.add(fs.realpathSync(m[1]));
  }
  return [...copies].sort();
}
