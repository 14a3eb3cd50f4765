/**
 * Pulumi's generated gRPC stubs and the grpc-js runtime they were generated for, both from the
 * pinned @pulumi/pulumi (as tools/pulumi-cli/language-host.js serves the language protocol).
 */
import { createRequire } from "node:module";

const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi"));

export const grpc = pulumiRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
export const providerGrpc = pulumiRequire("./proto/provider_grpc_pb") as typeof import("@pulumi/pulumi/proto/provider_grpc_pb");
export const providerProto = pulumiRequire("./proto/provider_pb") as typeof import("@pulumi/pulumi/proto/provider_pb");
export const pluginProto = pulumiRequire("./proto/plugin_pb") as typeof import("@pulumi/pulumi/proto/plugin_pb");
export const engineGrpc = pulumiRequire("./proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
export const engineProto = pulumiRequire("./proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");

/** The slice of google-protobuf's Struct this plugin uses (its package ships no types). */
export interface WireStruct {
  toJavaScript(): Record<string, unknown>;
}
export const structProto = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): WireStruct };
};
export const emptyProto = pulumiRequire("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => object };
