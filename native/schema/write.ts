/** `npm run schema`: writes schema.json at the repo root from the zod schemas (see generate.ts). */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageVersion } from "../version";
import { buildSchema, providerSchemaText } from "./generate";

export const SCHEMA_PATH = path.resolve(__dirname, "..", "..", "schema.json");

if (require.main === module) {
  const { missingDocs } = buildSchema(packageVersion());
  if (missingDocs.length > 0) {
    process.stderr.write(`schema: no description for ${missingDocs.join(", ")} (add them to native/schema/docs.ts)\n`);
    process.exit(1);
  }
  fs.writeFileSync(SCHEMA_PATH, providerSchemaText(packageVersion()));
  process.stdout.write(`${SCHEMA_PATH}\n`);
}
