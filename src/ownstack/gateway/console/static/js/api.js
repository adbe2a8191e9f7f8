// The console's API client: ownstack's own AWS APIs on the console's origin, every call
// signed with the signed-in keys (sigv4.js). One function per AWS protocol; every error
// answer becomes an AwsError with AWS's code and message.

import { UNSIGNED_PAYLOAD, encodePath, presignUrl, queryString, sha256Hex, signHeaders } from "./sigv4.js";
import * as xml from "./xml.js";

export class AwsError extends Error {
  constructor(code, message, status, requestId = "") {
    super(message ? `${code}: ${message}` : code);
    this.name = "AwsError";
    this.code = code;
    this.awsMessage = message;
    this.status = status;
    this.requestId = requestId;
  }
}

const QUERY_VERSIONS = { iam: "2010-05-08", sts: "2011-06-15", sns: "2010-03-31", sqs: "2012-11-05" };
const JSON_TARGETS = {
  sqs: ["AmazonSQS", "1.0"],
  dynamodb: ["DynamoDB_20120810", "1.0"],
  dynamodbstreams: ["DynamoDBStreams_20120810", "1.0"],
  logs: ["Logs_20140328", "1.1"],
  events: ["AWSEvents", "1.1"],
};
// The name a service signs with, where it is not the service's own (AWS's signingName).
const SIGNING_NAMES = { dynamodbstreams: "dynamodb" };
// IAM is global: AWS's SDKs sign it for us-east-1 whatever the client's region.
const GLOBAL_REGIONS = { iam: "us-east-1" };
const STATUS_CODES = { 400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict" };

function pairsOf(query) {
  if (!query) return [];
  if (Array.isArray(query)) return query;
  return Object.entries(query).filter(([, v]) => v !== undefined && v !== null);
}

/** Read an error answer of any protocol (S3/query XML, JSON `__type`, x-amzn-ErrorType). */
export async function errorFrom(resp) {
  const requestId =
    resp.headers.get("x-amz-request-id") || resp.headers.get("x-amzn-requestid") || "";
  const body = (await resp.text()).trim();
  let code = "";
  let message = "";
  if (body.startsWith("<")) {
    try {
      const doc = xml.parse(body);
      code = xml.text(doc, "Code");
      message = xml.text(doc, "Message");
    } catch {
      message = body.slice(0, 200);
    }
  } else if (body.startsWith("{")) {
    try {
      const json = JSON.parse(body);
      code = String(json.__type || json.code || json.Code || "").split("#").pop();
      message = json.message || json.Message || "";
    } catch {
      message = body.slice(0, 200);
    }
  }
  if (!code) code = (resp.headers.get("x-amzn-errortype") || "").split(":")[0];
  if (!code) code = STATUS_CODES[resp.status] || `HTTP${resp.status}`;
  return new AwsError(code, message || resp.statusText, resp.status, requestId);
}

/** Flatten a list for the query protocol: flat("Tags.member", [{Key, Value}]) ->
 *  {"Tags.member.1.Key": ..., "Tags.member.1.Value": ...}; scalars give "<prefix>.N". */
export function flat(prefix, list) {
  const out = {};
  list.forEach((item, i) => {
    const at = `${prefix}.${i + 1}`;
    if (item !== null && typeof item === "object") {
      for (const [k, v] of Object.entries(item)) out[`${at}.${k}`] = v;
    } else {
      out[at] = item;
    }
  });
  return out;
}

export function createApi({ accessKey, secretKey, sessionToken = "", region, origin = location.origin }) {
  const creds = { accessKey, secretKey, sessionToken };
  const host = new URL(origin).host;

  async function signed(service, method, path, { query, headers = {}, body, payloadHash } = {}) {
    const pairs = pairsOf(query);
    const hash = payloadHash ?? (await sha256Hex(body));
    const signedHeaders = await signHeaders({
      creds,
      region: GLOBAL_REGIONS[service] || region,
      service: SIGNING_NAMES[service] || service,
      method,
      host,
      path,
      query: pairs,
      headers,
      payloadHash: hash,
    });
    const qs = queryString(pairs);
    const url = `${origin}${path}${qs ? "?" + qs : ""}`;
    return fetch(url, {
      method,
      headers: signedHeaders,
      body: method === "GET" || method === "HEAD" ? undefined : body,
      cache: "no-store",
      credentials: "omit",
    });
  }

  async function checked(resp) {
    if (!resp.ok) throw await errorFrom(resp);
    return resp;
  }

  async function query(service, action, params = {}, { version } = {}) {
    const form = { Action: action, Version: version || QUERY_VERSIONS[service], ...params };
    const body = queryString(pairsOf(form));
    const resp = await checked(
      await signed(service, "POST", "/", {
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body,
      }),
    );
    return xml.parse(await resp.text());
  }

  async function json(service, operation, body = {}) {
    const [prefix, version] = JSON_TARGETS[service] || [];
    if (!prefix) throw new Error(`no JSON protocol known for ${service}`);
    const target = operation.includes(".") ? operation : `${prefix}.${operation}`;
    const resp = await checked(
      await signed(service, "POST", "/", {
        headers: { "content-type": `application/x-amz-json-${version}`, "x-amz-target": target },
        body: JSON.stringify(body),
      }),
    );
    const text = await resp.text();
    return text ? JSON.parse(text) : {};
  }

  async function restJson(service, method, path, { query, body, headers = {} } = {}) {
    let payload = body;
    const sent = { ...headers };
    if (body !== undefined && !(body instanceof Blob) && typeof body !== "string") {
      payload = JSON.stringify(body);
      sent["content-type"] = "application/json";
    }
    const resp = await checked(await signed(service, method, path, { query, headers: sent, body: payload }));
    const text = await resp.text();
    return text ? JSON.parse(text) : null;
  }

  async function s3(method, path, { query, headers = {}, body, as = "xml" } = {}) {
    const resp = await checked(await signed("s3", method, encodePath(path), { query, headers, body }));
    let result = null;
    if (as === "xml") result = xml.parse(await resp.text());
    else if (as === "text") result = await resp.text();
    else if (as === "blob") result = await resp.blob();
    return { status: resp.status, headers: resp.headers, body: result };
  }

  async function s3Upload(bucket, key, file, { onProgress, contentType } = {}) {
    const path = encodePath(`/${bucket}/${key}`);
    const headers = await signHeaders({
      creds, region, service: "s3", method: "PUT", host, path,
      headers: { "content-type": contentType || file.type || "application/octet-stream" },
      payloadHash: UNSIGNED_PAYLOAD,
    });
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", origin + path);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onerror = () => reject(new Error("the upload failed (network error)"));
      xhr.onload = async () => {
        const answer = new Response(xhr.responseText, {
          status: xhr.status,
          headers: { "x-amz-request-id": xhr.getResponseHeader("x-amz-request-id") || "" },
        });
        if (xhr.status >= 300) reject(await errorFrom(answer));
        else resolve({ status: xhr.status, headers: xhr.getAllResponseHeaders() });
      };
      xhr.send(file);
    });
  }

  function presign(method, path, { expires = 3600, query } = {}) {
    return presignUrl({
      creds, region, method, origin, path: encodePath(path), query: pairsOf(query), expires,
    });
  }

  async function info() {
    const resp = await checked(await signed("ownstack", "GET", "/_ownstack/info"));
    return resp.json();
  }

  async function metrics() {
    const resp = await fetch(`${origin}/metrics`, { cache: "no-store", credentials: "omit" });
    if (!resp.ok) throw await errorFrom(resp);
    return resp.text();
  }

  async function health() {
    const resp = await fetch(`${origin}/_ownstack/health`, { cache: "no-store", credentials: "omit" });
    return { status: resp.status, body: await resp.json() };
  }

  return { region, accessKey, signed, query, json, restJson, s3, s3Upload, presign, info, metrics, health, flat };
}
