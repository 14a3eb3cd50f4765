// Stripe Identity VerificationSessions as Pulumi resources, and BulkRedaction: redact or cancel every session matching a filter, at create, on update and/or at teardown.
package stripeidentity
