/**
 * `pulumi-stripe-identity/testing`: test a Pulumi program that uses this package through the real
 * Pulumi engine (the Automation API runs your `pulumi` CLI), offline, against a local emulator.
 *
 *   const stack = await TestStack.create({ program: async () => { new VerificationSession(...) } });
 *   const up = await stack.up();          // steps, outputs, diagnostics, the CLI's text
 *   await stack.verify(sessionId);        // an out-of-band change, through the emulator
 *   const refresh = await stack.refresh();
 *   await stack.destroy(); await stack.dispose();
 */
export { TestStack } from "./stack";
export { StackOperationError } from "./results";
export type { Diagnostic, Operation, OperationOptions, OperationResult, Step, StepOp, TestStackOptions } from "./types";
export type { VerificationSession } from "../emulator/control-client";
