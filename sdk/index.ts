export { CONFIG_NAMESPACE } from "../provider/namespace";
export { VerificationSession } from "./VerificationSession";
export type {
  VerificationSessionArgs,
  DocumentOptionsArgs,
  DocumentType,
  SessionType,
  DeletionPolicy,
  SessionStatus,
  RedactionStatus,
  CheckStatus,
  LastError,
  ReportSummary,
} from "./types";
export { BulkRedaction } from "./BulkRedaction";
export type { BulkRedactionArgs, BulkRedactionFilterArgs, BulkRedactionAction, BulkRedactionPhase, BulkRedactionRunOn, BulkRedactionStatus } from "./BulkRedaction";
