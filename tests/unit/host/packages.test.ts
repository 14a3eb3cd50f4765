// What the language host reads from a program's folder: plugins, @pulumi/pulumi copies, package manager.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { incompatiblePulumiCopies, pluginOf, resolvePackageManager } from "../../../tools/pulumi-cli/host/packages";
import { refusalIsFresh, REFUSAL_TTL_MS } from "../../../tools/pulumi-cli/go-host-refusal";

describe("pluginOf (Pulumi's getPackageInfo)", () => {
  test.each([
    [{ name: "@pulumi/aws", version: "6.1.0", pulumi: { resource: true } }, { name: "aws", version: "v6.1.0", server: "" }],
    [{ name: "@pulumi/aws", version: "6.1.0", pulumi: { resource: true, version: "v7.0.0" } }, { name: "aws", version: "v7.0.0", server: "" }],
    [{ name: "acme", version: "1.0.0", pulumi: { resource: true, name: "acme-plugin", server: "https://x.test" } }, { name: "acme-plugin", version: "v1.0.0", server: "https://x.test" }],
  ])("%j", (info, expected) => {
    expect(pluginOf(info)).toEqual({ ...expected, parameterization: undefined });
  });

  test("packages not marked pulumi.resource are not plugins", () => {
    expect(pluginOf({ name: "@pulumi/pulumi", version: "3.248.0" })).toBeUndefined();
  });

  test("a third-party plugin without pulumi.name is an error naming the package", () => {
    expect(() => pluginOf({ name: "acme", version: "1.0.0", pulumi: { resource: true } })).toThrow(/third-party plugin 'acme'/);
  });
});

describe("incompatiblePulumiCopies", () => {
  test("copies of one major version are fine; another major is reported with both paths", () => {
    expect(incompatiblePulumiCopies(new Map([["a", "3.248.0"], ["b", "3.100.0"]]))).toBeUndefined();
    expect(incompatiblePulumiCopies(new Map([["a", "3.248.0"], ["b", "2.1.0"]]))).toMatch(/Version 3\.248\.0 referenced at a\n {2}Version 2\.1\.0 referenced at b/);
    expect(incompatiblePulumiCopies(new Map([["a", "0.17.1"], ["b", "0.16.0"]]))).toMatch(/incompatible/);
  });
});

describe("resolvePackageManager (auto, as Pulumi's host)", () => {
  const dir = (lockFile?: string) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "package-manager-"));
    if (lockFile) fs.writeFileSync(path.join(root, lockFile), "");
    fs.mkdirSync(path.join(root, "program"));
    return path.join(root, "program");
  };

  test.each([
    ["yarn.lock", "yarn"],
    ["pnpm-lock.yaml", "pnpm"],
    ["bun.lock", "bun"],
    ["bun.lockb", "bun"],
    [undefined, "npm"],
  ])("a %s above the program means %s", (lockFile, expected) => {
    expect(resolvePackageManager("auto", dir(lockFile), {})).toBe(expected);
  });

  test("PULUMI_PREFER_YARN wins over lock files; an explicit choice wins over everything", () => {
    expect(resolvePackageManager("auto", dir("pnpm-lock.yaml"), { PULUMI_PREFER_YARN: "true" })).toBe("yarn");
    expect(resolvePackageManager("pnpm", dir("yarn.lock"), { PULUMI_PREFER_YARN: "true" })).toBe("pnpm");
  });
});

describe("refusalIsFresh (the Go host refusal is remembered for a day)", () => {
  const now = new Date("2026-12-04T12:00:00Z");
  test.each([
    [undefined, false],
    ["not a date", false],
    [new Date(now.getTime() - 1000).toISOString(), true],
    [new Date(now.getTime() - REFUSAL_TTL_MS + 1000).toISOString(), true],
    [new Date(now.getTime() - REFUSAL_TTL_MS).toISOString(), false],
    [new Date(now.getTime() + 60_000).toISOString(), false],
  ])("recorded at %s: %s", (at, fresh) => {
    expect(refusalIsFresh(at, now)).toBe(fresh);
  });
});
