/**
 * The testing face (`pulumi-stripe-identity/testing`) through the real Pulumi CLI: one inline
 * program, one stack, the whole lifecycle. What the face reports is checked against what the CLI
 * printed and what the emulator holds, so the face cannot show a step the engine did not take.
 */
import { TestStack, StackOperationError, type OperationResult } from "../../testing";
import { VerificationSession } from "../../sdk";
import { describeEngine } from "../helpers/pulumi-cli";

jest.setTimeout(180_000);

const ops = (r: OperationResult): string[] => r.changes.map((s) => `${s.op} ${s.name}`);

describeEngine("TestStack through the Pulumi CLI", (cli) => {
  let stack: TestStack;
  // The inline program reads this between operations, as an edited index.ts would.
  let allowedTypes: string[] = ["passport"];

  beforeAll(async () => {
    stack = await TestStack.create({
      cliDir: cli.binDir,
      projectName: "face",
      program: async () => {
        const kyc = new VerificationSession("kyc", {
          type: "document",
          clientReferenceId: "app-face",
          options: { document: { allowedTypes: allowedTypes as ("passport" | "id_card" | "driving_license")[] } },
          deletionPolicy: "redact",
        });
        const retained = new VerificationSession("audit", { type: "id_number", deletionPolicy: "retain" });
        return { kycId: kyc.id, kycStatus: kyc.status, auditId: retained.id, kycUrl: kyc.url };
      },
    });
  });
  afterAll(() => stack?.dispose());

  let kycId: string;
  let auditId: string;

  test("preview names each planned create, and writes nothing to Stripe", async () => {
    const preview = await stack.preview();
    expect(ops(preview).sort()).toEqual(["create audit", "create kyc"]);
    expect(preview.stdout).toMatch(/\+ +pulumi-nodejs:dynamic\/stripe-identity:VerificationSession +kyc +create/);
    expect(await stack.sessions()).toEqual([]);
  });

  test("up: create steps with ids, stack outputs (secret ones listed), the sessions in Stripe", async () => {
    const up = await stack.up();
    expect(ops(up).sort()).toEqual(["create audit", "create kyc"]);
    kycId = up.outputs.kycId as string;
    auditId = up.outputs.auditId as string;
    expect(up.steps.find((s) => s.name === "kyc")?.id).toBe(kycId);
    expect(up.outputs.kycStatus).toBe("requires_input");
    expect(up.secretOutputs).toEqual(["kycUrl"]);
    expect(up.summary).toMatchObject({ create: 3 }); // two sessions and the stack, as "Resources: + 3 created"
    expect(up.stdout).toMatch(/Resources:\s+\+ 3 created/);
    const held = await stack.session(kycId);
    expect(held).toMatchObject({ status: "requires_input", client_reference_id: "app-face", metadata: { pulumi_resource: "kyc", pulumi_project: "face", pulumi_stack: "test" } });
    expect(await stack.outputs()).toMatchObject({ kycId, auditId });
  });

  test("a second preview has nothing to do; expectNoChanges passes", async () => {
    const preview = await stack.preview({ expectNoChanges: true });
    expect(ops(preview)).toEqual([]);
    expect(preview.steps.map((s) => s.op).sort()).toEqual(["same", "same"]);
  });

  test("out of band: a failed check, then a verification; refresh records what Stripe holds", async () => {
    await stack.failCheck(kycId, "document_expired");
    expect(await stack.session(kycId)).toMatchObject({ status: "requires_input", last_error: { code: "document_expired" } });
    await stack.verify(kycId);
    expect((await stack.session(kycId)).status).toBe("verified");
    const refresh = await stack.refresh();
    const step = refresh.steps.find((s) => s.name === "kyc")!;
    expect(step.op).toBe("refresh");
    expect(step.oldOutputs?.status).toBe("requires_input");
    expect(step.newOutputs?.status).toBe("verified");
    expect(step.newOutputs).not.toHaveProperty("__provider");
    const state = await stack.exportState();
    const inState = (state.deployment as { resources: { id?: string; outputs?: { status?: string } }[] }).resources.find((r) => r.id === kycId);
    expect(inState?.outputs?.status).toBe("verified");
  });

  test("a bad argument: the operation rejects naming the field; nothing changes in Stripe", async () => {
    const before = await stack.sessions();
    allowedTypes = ["passport", "selfie"];
    const error: unknown = await stack.up().then(() => undefined, (e: unknown) => e);
    allowedTypes = ["passport"];
    expect(error).toBeInstanceOf(StackOperationError);
    expect((error as Error).message).toMatch(/^pulumi up failed: .*options\.document\.allowedTypes\[1\]/s);
    expect((error as StackOperationError).result.diagnostics.some((d) => d.severity === "error" && d.urn?.endsWith("::kyc"))).toBe(true);
    expect(await stack.sessions()).toEqual(before);
  });

  test("someone redacts a session outside the stack: what Stripe holds says so", async () => {
    const { ids: [outside] } = await stack.control.seed({ apiKey: stack.apiKey, count: 1, status: "verified", clientReferenceIdPrefix: "outside-" });
    await stack.redact(outside);
    expect((await stack.session(outside)).redaction?.status).toMatch(/^(processing|redacted)$/);
    await expect(stack.session("vs_nope")).rejects.toThrow("no session vs_nope in the stack's emulator account");
  });

  test("someone cancels the retained session; destroy applies each deletion policy", async () => {
    await stack.cancel(auditId);
    expect((await stack.session(auditId)).status).toBe("canceled");
    const destroy = await stack.destroy();
    expect(ops(destroy).sort()).toEqual(["delete audit", "delete kyc"]);
    expect((await stack.session(kycId)).redaction?.status).toBe("redacted"); // deletionPolicy redact
    expect((await stack.session(auditId)).redaction).toBeNull(); // deletionPolicy retain
    expect(destroy.stdout).toMatch(/Resources:\s+- 3 deleted/);
    expect(destroy.diagnostics.map((d) => d.message)).toContainEqual(expect.stringContaining(`${auditId} (deletionPolicy retain)`));
  });
});
