import { isWellFormedKey, maskKey } from "../provider/stripe/keys";
import { unauthorized } from "./errors";

/**
 * The API key of a request: `Authorization: Bearer <key>` or Basic with the key as username.
 * Missing or malformed keys get Stripe's 401; the message shows the key masked (last 4 only).
 */
export function apiKeyOf(authorization: string | undefined): string {
  if (!authorization) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  const space = authorization.indexOf(" ");
  const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
  const credential = space < 0 ? "" : authorization.slice(space + 1).trim();
  let key = "";
  if (scheme === "bearer") key = credential;
  else if (scheme === "basic") {
    const decoded = Buffer.from(credential, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    key = colon < 0 ? decoded : decoded.slice(0, colon);
  } else {
    throw unauthorized(
      "Invalid authorization header. Use Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY') or Basic auth with your API key as the username.",
    );
  }
  if (key === "") {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (key.length > 255 || !isWellFormedKey(key)) {
    throw unauthorized(`Invalid API Key provided: ${maskKey(key.length > 255 ? key.slice(-40) : key)}`);
  }
  return key;
}
