// AWS Signature Version 4, in the browser, with WebCrypto (crypto.subtle needs a secure
// context: http://127.0.0.1 and http://localhost are). Header signing for every call and
// query-string signing for presigned S3 URLs. Paths arrive already URI-encoded (S3: each key
// segment once); query parameters arrive as [name, value] pairs, not encoded.

const encoder = new TextEncoder();
const ALGORITHM = "AWS4-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is escaped. */
export function uriEncode(text) {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

/** An S3 path from a bucket and key: each segment encoded once, '/' kept ('a//b' stays). */
export function encodePath(path) {
  return path.split("/").map(uriEncode).join("/");
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function bytesOf(data) {
  if (data === undefined || data === null) return new Uint8Array(0);
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("cannot hash a body of type " + typeof data);
}

export async function sha256Hex(data) {
  return hex(await crypto.subtle.digest("SHA-256", await bytesOf(data)));
}

async function hmac(key, message) {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey(
    "raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  return crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message));
}

/** 20240102T030405Z and 20240102 for a Date. */
export function amzDate(now = new Date()) {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  return { stamp, day: stamp.slice(0, 8) };
}

/** The query string (and canonical query: the same, sorted) from [name, value] pairs. */
export function queryString(pairs) {
  return pairs
    .map(([name, value]) => [uriEncode(name), uriEncode(String(value ?? ""))])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function canonicalUri(path, service) {
  // S3 signs the path as sent; every other service signs it encoded a second time.
  if (service === "s3") return path || "/";
  return (path || "/").split("/").map(uriEncode).join("/");
}

function canonicalHeaders(headers) {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), String(value).trim().replace(/\s+/g, " ")])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    text: entries.map(([name, value]) => `${name}:${value}\n`).join(""),
    signed: entries.map(([name]) => name).join(";"),
  };
}

async function signature(creds, day, region, service, stringToSign) {
  let key = await hmac("AWS4" + creds.secretKey, day);
  key = await hmac(key, region);
  key = await hmac(key, service);
  key = await hmac(key, "aws4_request");
  return hex(await hmac(key, stringToSign));
}

async function signCanonical(creds, region, service, stamp, canonical) {
  const day = stamp.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = [ALGORITHM, stamp, scope, await sha256Hex(canonical)].join("\n");
  return { scope, signature: await signature(creds, day, region, service, toSign) };
}

/**
 * Sign a request with the Authorization header. Returns the headers to send (the given ones
 * plus x-amz-date, x-amz-security-token, x-amz-content-sha256 for S3, and authorization).
 * `host` is signed but not returned: the browser sends it itself.
 */
export async function signHeaders({
  creds, region, service, method, host, path, query = [], headers = {}, payloadHash, now,
}) {
  const { stamp } = amzDate(now);
  const out = { ...headers, "x-amz-date": stamp };
  if (creds.sessionToken) out["x-amz-security-token"] = creds.sessionToken;
  if (service === "s3") out["x-amz-content-sha256"] = payloadHash;
  const { text, signed } = canonicalHeaders({ ...out, host });
  const canonical = [
    method, canonicalUri(path, service), queryString(query), text, signed, payloadHash,
  ].join("\n");
  const sig = await signCanonical(creds, region, service, stamp, canonical);
  out.authorization =
    `${ALGORITHM} Credential=${creds.accessKey}/${sig.scope}, ` +
    `SignedHeaders=${signed}, Signature=${sig.signature}`;
  return out;
}

/** A presigned URL (query-string SigV4, host the only signed header, payload unsigned). */
export async function presignUrl({
  creds, region, service = "s3", method = "GET", origin, path, query = [], expires = 3600, now,
}) {
  const { stamp, day } = amzDate(now);
  const host = new URL(origin).host;
  const params = [
    ...query,
    ["X-Amz-Algorithm", ALGORITHM],
    ["X-Amz-Credential", `${creds.accessKey}/${day}/${region}/${service}/aws4_request`],
    ["X-Amz-Date", stamp],
    ["X-Amz-Expires", String(expires)],
    ["X-Amz-SignedHeaders", "host"],
  ];
  if (creds.sessionToken) params.push(["X-Amz-Security-Token", creds.sessionToken]);
  const canonical = [
    method, canonicalUri(path, service), queryString(params), `host:${host}\n`, "host",
    UNSIGNED_PAYLOAD,
  ].join("\n");
  const sig = await signCanonical(creds, region, service, stamp, canonical);
  const qs = queryString([...params, ["X-Amz-Signature", sig.signature]]);
  return `${origin}${path}?${qs}`;
}
