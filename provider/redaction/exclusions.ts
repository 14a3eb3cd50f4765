/**
 * `excludeIds` / `--exclude-ids`: the sessions a run must never touch. An exclusion that silently
 * excludes nothing is how a redaction goes wrong, so every id must look like a session id, a file
 * has one documented format (one id a line, `#` comments, blank lines ignored) and a bad line is
 * named, and a value that is neither an existing file nor a list of ids is refused.
 */

export const SESSION_ID = /^vs_[A-Za-z0-9]+$/;
export const SESSION_ID_RULE = "must be a VerificationSession id (vs_ followed by letters and digits)";

export type Exclusions = { ids: string[] } | { problem: string };

/** The ids of an exclusion file's text; `source` names the file in messages. */
export function parseExclusionFile(text: string, source: string): Exclusions {
  const ids: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    if (!SESSION_ID.test(line)) {
      return { problem: `${source}:${index + 1}: "${raw.trim()}" ${SESSION_ID_RULE}; the file holds one id a line (# starts a comment)` };
    }
    ids.push(line);
  }
  if (ids.length === 0) return { problem: `${source}: no session ids in the file (one vs_... id a line), so it would exclude nothing` };
  return { ids };
}

/** One `--exclude-ids` value: an existing file, else a comma-separated list of session ids. */
export function parseExclusionSpec(spec: string, readFile: (path: string) => string | undefined): Exclusions {
  const text = readFile(spec);
  if (text !== undefined) return parseExclusionFile(text, spec);
  const items = spec.split(",").map((item) => item.trim());
  const bad = items.find((item) => !SESSION_ID.test(item));
  if (bad === undefined) return { ids: items };
  if (items.length === 1) return { problem: `"${spec}" is neither an existing file nor a session id (vs_...)` };
  return { problem: `"${bad}" in "${spec}" ${SESSION_ID_RULE} (or give the path of an existing file)` };
}
