// The language host's command line, parsed as Pulumi's Go host parses it (Go's `flag` package):
// flags first (`-name`, `--name`, `-name=value`, `-name value`), parsing stops at the first
// argument that is not a flag (or after `--`), and the first remaining argument is the engine
// address. The engine starts hosts as `[--logtostderr] [-v=N] [--tracing URL] <engine address>`.

/** Flags that take a value: the host's own, then glog's logging flags that Pulumi's host also accepts. */
const VALUE_FLAGS = new Set(["tracing", "runtime", "v", "vmodule", "log_dir", "log_link", "logbuflevel", "log_backtrace_at", "stderrthreshold", "root"]);
const BOOL_FLAGS = new Set(["version", "logtostderr", "alsologtostderr", "logflow"]);

export interface HostArgs {
  /** The engine's gRPC address; empty when the host runs on its own (tests, debugging). */
  engineAddress: string;
  /** Where the engine collects traces (`--tracing`), passed on to the program as Pulumi's host does. */
  tracing: string;
  runtime: string;
  version: boolean;
}

export class HostArgsError extends Error {}

const BOOLEAN_TEXT: Record<string, boolean> = { "1": true, t: true, T: true, true: true, TRUE: true, True: true, "0": false, f: false, F: false, false: false, FALSE: false, False: false };

export function parseHostArgs(argv: readonly string[]): HostArgs {
  const values: Record<string, string> = {};
  const flags: Record<string, boolean> = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.length < 2 || !arg.startsWith("-")) break;
    const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
    if (body === "" || body.startsWith("-") || body.startsWith("=")) throw new HostArgsError(`bad flag syntax: ${arg}`);
    const equals = body.indexOf("=");
    const name = equals < 0 ? body : body.slice(0, equals);
    const inline = equals < 0 ? undefined : body.slice(equals + 1);
    if (BOOL_FLAGS.has(name)) {
      if (inline === undefined) flags[name] = true;
      else if (inline in BOOLEAN_TEXT) flags[name] = BOOLEAN_TEXT[inline];
      else throw new HostArgsError(`invalid boolean value "${inline}" for -${name}`);
    } else if (VALUE_FLAGS.has(name)) {
      if (inline !== undefined) values[name] = inline;
      else if (i + 1 < argv.length) values[name] = argv[++i];
      else throw new HostArgsError(`flag needs an argument: -${name}`);
    } else {
      throw new HostArgsError(`flag provided but not defined: -${name}`);
    }
  }
  const runtime = values.runtime ?? "nodejs";
  if (runtime !== "nodejs") throw new HostArgsError(`unsupported runtime: ${runtime} (this host runs programs with node only)`);
  return { engineAddress: argv[i] ?? "", tracing: values.tracing ?? "", runtime, version: flags.version === true };
}
