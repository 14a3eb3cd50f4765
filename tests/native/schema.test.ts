/**
 * schema.json is the generator's output from the zod schemas (regenerate with `npm run schema`),
 * documents every property, keeps the schema's promises (secrets, enums, BulkRedaction not
 * importable), and is what `pulumi package get-schema` prints for the plugin.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSchema, providerSchemaText, TOKENS } from "../../native/schema/generate";
import { SCHEMA_PATH } from "../../native/schema/write";
import { packageVersion } from "../../native/version";
import { RUN_ON } from "../../provider/redaction/inputs";
import { DELETION_POLICIES } from "../../provider/session/schema";
import { ensureBuilt, ROOT } from "../helpers/build";
import { findEngineDir } from "../helpers/pulumi-cli";

type Schema = { resources: Record<string, { description: string; properties: Record<string, { secret?: boolean; $ref?: string }>; inputProperties: Record<string, { $ref?: string; items?: { $ref?: string } }> }>; types: Record<string, { enum?: { value: string }[] }>; config: { variables: Record<string, { secret?: boolean }> } };
const generated = () => JSON.parse(providerSchemaText(packageVersion())) as Schema;
const enumValues = (schema: Schema, ref: string | undefined) => schema.types[(ref ?? "").replace("#/types/", "")]?.enum?.map((e) => e.value);

test("the committed schema.json is the generated one (run `npm run schema` after changing a zod schema)", () => {
  expect(fs.readFileSync(SCHEMA_PATH, "utf8")).toBe(providerSchemaText(packageVersion()));
});

test("every property has a description", () => {
  expect(buildSchema(packageVersion()).missingDocs).toEqual([]);
});

test("secrets, enums from the zod schemas, and BulkRedaction's import note", () => {
  const schema = generated();
  const session = schema.resources[TOKENS.session];
  const bulk = schema.resources[TOKENS.bulkRedaction];
  expect(schema.config.variables.apiKey.secret).toBe(true);
  expect(session.properties.clientSecret.secret).toBe(true);
  expect(session.properties.url.secret).toBe(true);
  expect(enumValues(schema, session.inputProperties.deletionPolicy.$ref)).toEqual([...DELETION_POLICIES]);
  expect(enumValues(schema, bulk.inputProperties.action.$ref)).toEqual(["redact", "cancel"]);
  expect(enumValues(schema, bulk.inputProperties.runOn.items?.$ref)).toEqual([...RUN_ON]);
  expect(bulk.description).toMatch(/not importable: it is a policy/);
  // Internal args the faces fill in are not inputs users see.
  expect(session.inputProperties).not.toHaveProperty("pulumiTag");
  expect(bulk.inputProperties).not.toHaveProperty("resourceName");
});

const cliDir = findEngineDir();
(cliDir ? test : test.skip)("`pulumi package get-schema` on the plugin prints it", () => {
  ensureBuilt();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "native-schema-"));
  try {
    const printed = execFileSync(path.join(cliDir as string, "pulumi"), ["package", "get-schema", path.join(ROOT, "native", "plugin", "pulumi-resource-stripe-identity")], {
      env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
      encoding: "utf8",
    });
    expect(JSON.parse(printed)).toEqual(generated());
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
