// The `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml / PulumiPlugin.yaml, checked as Pulumi's
// host checks them: the same messages, the same defaults.

export type PackageManagerName = "auto" | "npm" | "yarn" | "pnpm" | "bun";
const PACKAGE_MANAGERS: readonly PackageManagerName[] = ["auto", "npm", "yarn", "pnpm", "bun"];

export interface RuntimeOptions {
  typescript: boolean;
  tsconfig?: string;
  /** `nodeargs` split with shell rules. */
  nodeArgs: string[];
  packageManager: PackageManagerName;
}

export class OptionsError extends Error {}

export function parseRuntimeOptions(options: Record<string, unknown>): RuntimeOptions {
  const typescript = options.typescript ?? true;
  if (typeof typescript !== "boolean") throw new OptionsError("typescript option must be a boolean");
  const tsconfig = options.tsconfig;
  if (tsconfig !== undefined && typeof tsconfig !== "string") throw new OptionsError("tsconfigpath option must be a string");
  const nodeargs = options.nodeargs ?? "";
  if (typeof nodeargs !== "string") throw new OptionsError("nodeargs option must be a string");
  const packageManager = options.packagemanager ?? "auto";
  if (typeof packageManager !== "string") throw new OptionsError("packagemanager option must be a string");
  if (!(PACKAGE_MANAGERS as readonly string[]).includes(packageManager)) {
    throw new OptionsError(`packagemanager option must be one of auto, npm, yarn, pnpm or bun, got "${packageManager}"`);
  }
  return {
    typescript,
    tsconfig: tsconfig === "" ? undefined : tsconfig,
    nodeArgs: splitShellWords(nodeargs),
    packageManager: packageManager as PackageManagerName,
  };
}

/** The environment a program or plugin gets for these options (ts-node's switches). */
export function typescriptEnv(options: RuntimeOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  return env;
}

/**
 * Splits a command line as Pulumi's host does (github.com/google/shlex): whitespace separates words;
 * '...' is literal; "..." allows \-escapes; \ escapes the next character outside quotes; a word that
 * starts with # starts a comment to the end of the line. No variable expansion and no operators (a
 * shell parser such as shell-quote would expand `$X` and split on `|`, which Pulumi's host does not).
 */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
  while (i < text.length) {
    const c = text[i];
    if (word === undefined) {
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (c === "#") {
        while (i < text.length && text[i] !== "\n") i++;
        continue;
      }
      word = "";
    }
    if (isSpace(c)) {
      words.push(word);
      word = undefined;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new OptionsError("nodeargs: EOF found after escape character");
      word += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new OptionsError("nodeargs: EOF found when expecting closing quote");
      word += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new OptionsError("nodeargs: EOF found when expecting closing quote");
        const q = text[i];
        if (q === '"') break;
        if (q === "\\") {
          if (i + 1 >= text.length) throw new OptionsError("nodeargs: EOF found after escape character");
          word += text[i + 1];
          i += 2;
        } else {
          word += q;
          i++;
        }
      }
      i++;
    } else {
      word += c;
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
