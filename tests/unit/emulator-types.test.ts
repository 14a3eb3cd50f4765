/**
 * The emulator's public session type is its own (so a user's types never import `stripe`), and a
 * session from the `stripe` SDK is assignable to it: `npm run typecheck` fails if they drift apart.
 */
import type Stripe from "stripe";
import type { VerificationSession } from "../../emulator/control-client";

const fromSdk = (session: Stripe.Identity.VerificationSession): VerificationSession => session;

test("a stripe SDK session is an emulator VerificationSession", () => {
  const session = { id: "vs_1", object: "identity.verification_session", status: "verified" } as Stripe.Identity.VerificationSession;
  expect(fromSdk(session).id).toBe("vs_1");
});
