/**
 * Where providers say what they did or left: Pulumi's log, as the engine shows it. Inject another
 * `Logger` in tests.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface Logger {
  /** `ephemeral`: a progress line the engine may replace (where it is connected). */
  info(message: string, ephemeral?: boolean): void;
  warn(message: string): void;
}

export function pulumiLogger(): Logger {
  // Resolved at call time: inside the dynamic-provider process, the engine is set up by then.
  const log = () => (require("@pulumi/pulumi") as typeof pulumi).log;
  // A line that cannot reach the engine must not become an unhandled rejection (it fails the process).
  const ignore = (): undefined => undefined;
  return {
    info: (message, ephemeral = false) => void log().info(message, undefined, undefined, ephemeral).catch(ignore),
    warn: (message) => void log().warn(message).catch(ignore),
  };
}
