import type Stripe from "stripe";
import { createParams, reportSummary, sessionParams, toOutputs, updateParams } from "../../../provider/session/mapping";
import { SessionArgs, SessionOutputs } from "../../../provider/session/schema";

const args = SessionArgs.parse({
  type: "document",
  options: { document: { allowedTypes: ["passport"], requireIdNumber: true, requireLiveCapture: false, requireMatchingSelfie: true } },
  providedDetails: { email: "a@example.com" },
  metadata: { team: "kyc" },
  clientReferenceId: "user_1",
  relatedCustomer: "cus_1",
  relatedCustomerAccount: "acct_c",
  relatedPerson: { account: "acct_1", person: "person_1" },
  returnUrl: "https://example.com/done",
  pulumiTag: { project: "proj", stack: "dev", resource: "kyc-session" },
});

describe("mapping", () => {
  it("maps every create parameter once, snake_case", () => {
    expect(sessionParams(args)).toEqual({
      type: "document",
      options: { document: { allowed_types: ["passport"], require_id_number: true, require_live_capture: false, require_matching_selfie: true } },
      provided_details: { email: "a@example.com" },
      metadata: { team: "kyc" },
      client_reference_id: "user_1",
      related_customer: "cus_1",
      related_customer_account: "acct_c",
      related_person: { account: "acct_1", person: "person_1" },
      return_url: "https://example.com/done",
    });
  });

  it("adds the documented tag on create unless turned off", () => {
    expect(createParams(args).metadata).toEqual({ team: "kyc", pulumi_project: "proj", pulumi_stack: "dev", pulumi_resource: "kyc-session" });
    expect(createParams({ ...args, tagMetadata: false }).metadata).toEqual({ team: "kyc" });
  });

  it("updates only changed updatable fields; removed metadata keys are unset, removed options cleared", () => {
    expect(updateParams(args, { ...args, metadata: { other: "x" } })).toEqual({ metadata: { team: "", other: "x" } });
    expect(updateParams(args, { ...args, options: undefined })).toEqual({ options: { document: "" } });
    expect(updateParams(args, { ...args, type: "id_number", clientReferenceId: "changed" })).toEqual({ type: "id_number" });
    expect(updateParams(args, { ...args, deletionPolicy: "retain" })).toEqual({});
  });

  it("summarises a report without personal data", () => {
    const report = {
      id: "vr_1",
      document: { status: "verified", first_name: "Jenny", number: "123" },
      selfie: { status: "unverified" },
      id_number: undefined,
      email: { status: "verified", email: "j@example.com" },
    } as unknown as Stripe.Identity.VerificationReport;
    expect(reportSummary(report, true)).toEqual({ id: "vr_1", checks: { document: "verified", selfie: "unverified", idNumber: null, email: "verified", phone: null } });
    expect(reportSummary(report, false)).toEqual({ id: "vr_1" });
    expect(reportSummary("vr_2", true)).toEqual({ id: "vr_2" });
    expect(JSON.stringify(reportSummary(report, true))).not.toMatch(/Jenny|123|j@example/);
  });

  it("outputs keep the inputs (return_url included), never verified_outputs, and validate as SessionOutputs", () => {
    const session = {
      id: "vs_1",
      object: "identity.verification_session",
      client_reference_id: "user_1",
      client_secret: "vs_1_secret",
      created: 1_700_000_000,
      last_error: null,
      last_verification_report: null,
      livemode: false,
      metadata: { team: "kyc", pulumi_project: "proj" },
      options: {},
      redaction: null,
      related_customer: "cus_1",
      related_customer_account: null,
      status: "verified",
      type: "document",
      url: "https://verify.example/1",
      verified_outputs: { first_name: "Jenny" },
    } as unknown as Stripe.Identity.VerificationSession;
    const outs = toOutputs(session, args, null);
    expect(outs).toMatchObject({ returnUrl: "https://example.com/done", metadata: { team: "kyc" }, status: "verified", clientSecret: "vs_1_secret" });
    expect(JSON.stringify(outs)).not.toMatch(/Jenny|verified_outputs/);
    expect(SessionOutputs.safeParse(outs).success).toBe(true);
  });
});
