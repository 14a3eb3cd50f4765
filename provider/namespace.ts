/** Pulumi config namespace; keys are `stripe-identity:<name>`. Apart from config.ts so the public types never import zod. */
export const CONFIG_NAMESPACE = "stripe-identity";
