// Drives an ownstack server with the AWS SDK for JavaScript v3 through S3 in depth (versioning,
// CORS, SSE-C over HTTPS, Object Lock, ACLs, presigned POST) and prints one JSON document of
// what it saw, a section per feature; tests/clients/test_js_sdk_s3_depth.py runs it, asserts
// every field and reads the effects back with boto3 and anonymous requests.
// Env: OWNSTACK_ENDPOINT (http), OWNSTACK_HTTPS_ENDPOINT, NODE_EXTRA_CA_CERTS (the server's
//      generated certificate, which node trusts for HTTPS), AWS_ACCESS_KEY_ID,
//      AWS_SECRET_ACCESS_KEY, AWS_REGION, PREFIX (stem of the bucket names).
import { createHash } from "node:crypto";
import { request } from "node:http";
import {
  S3Client,
  CreateBucketCommand,
  PutBucketVersioningCommand,
  GetBucketVersioningCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketCorsCommand,
  GetBucketCorsCommand,
  DeleteBucketCorsCommand,
  PutObjectRetentionCommand,
  GetObjectRetentionCommand,
  PutObjectLegalHoldCommand,
  GetObjectLegalHoldCommand,
  PutBucketAclCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  DeletePublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const env = process.env;
const P = env.PREFIX;
const config = {
  region: env.AWS_REGION,
  forcePathStyle: true,
  maxAttempts: 1,
  credentials: {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
  },
};
const client = new S3Client({ ...config, endpoint: env.OWNSTACK_ENDPOINT });
const https = new S3Client({ ...config, endpoint: env.OWNSTACK_HTTPS_ENDPOINT });

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const bodyBytes = async (response) => Buffer.from(await response.Body.transformToByteArray());
const send = (command) => client.send(command);

// The error a call ends with: name (S3's code), HTTP status, message; or what it answered.
async function attempt(call) {
  try {
    const answer = await call();
    return { ok: true, status: answer.$metadata.httpStatusCode };
  } catch (err) {
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
}

// An unsigned OPTIONS request, as a browser sends a CORS preflight.
function preflight(path, headers) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, env.OWNSTACK_ENDPOINT), { method: "OPTIONS", headers });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function versioning() {
  const Bucket = `${P}-ver`;
  await send(new CreateBucketCommand({ Bucket }));
  const enable = { Bucket, VersioningConfiguration: { Status: "Enabled" } };
  await send(new PutBucketVersioningCommand(enable));
  const status = (await send(new GetBucketVersioningCommand({ Bucket }))).Status;
  const v1 = (await send(new PutObjectCommand({ Bucket, Key: "doc", Body: "first body" })))
    .VersionId;
  const v2 = (await send(new PutObjectCommand({ Bucket, Key: "doc", Body: "second, longer body" })))
    .VersionId;
  const listed = await send(new ListObjectVersionsCommand({ Bucket }));
  const old = await send(new GetObjectCommand({ Bucket, Key: "doc", VersionId: v1 }));
  const oldBody = (await bodyBytes(old)).toString();
  const deleted = await send(new DeleteObjectCommand({ Bucket, Key: "doc" }));
  const afterDelete = await attempt(() => send(new GetObjectCommand({ Bucket, Key: "doc" })));
  const markerRead = await attempt(() =>
    send(new HeadObjectCommand({ Bucket, Key: "doc", VersionId: deleted.VersionId })),
  );
  const bogus = await attempt(() =>
    send(new GetObjectCommand({ Bucket, Key: "doc", VersionId: "bogus" })),
  );
  const bad = await attempt(() =>
    send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Off" } })),
  );
  return {
    bucket: Bucket,
    status,
    v1,
    v2,
    versions: (listed.Versions ?? []).map((v) => [v.VersionId, v.IsLatest, v.Size]),
    old: { versionId: old.VersionId, body: oldBody },
    deleted: { deleteMarker: deleted.DeleteMarker, versionId: deleted.VersionId },
    afterDelete,
    markerRead,
    bogus,
    bad,
  };
}

const CORS_RULES = [
  {
    ID: "app",
    AllowedHeaders: ["Content-Type"],
    AllowedMethods: ["GET", "PUT"],
    AllowedOrigins: ["https://app.example.com"],
    ExposeHeaders: ["ETag"],
    MaxAgeSeconds: 600,
  },
];

async function cors() {
  const Bucket = `${P}-cors`;
  await send(new CreateBucketCommand({ Bucket }));
  const put = await send(
    new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: CORS_RULES } }),
  );
  const got = (await send(new GetBucketCorsCommand({ Bucket }))).CORSRules;
  const asked = await preflight(`/${Bucket}/upload.txt`, {
    Origin: "https://app.example.com",
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type",
  });
  const bad = await attempt(() =>
    send(
      new PutBucketCorsCommand({
        Bucket,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["PATCH"] }] },
      }),
    ),
  );
  const afterBad = (await send(new GetBucketCorsCommand({ Bucket }))).CORSRules;
  const deleted = await send(new DeleteBucketCorsCommand({ Bucket }));
  const afterDelete = await attempt(() => send(new GetBucketCorsCommand({ Bucket })));
  return {
    bucket: Bucket,
    put: put.$metadata.httpStatusCode,
    got,
    preflight: {
      status: asked.status,
      allowOrigin: asked.headers["access-control-allow-origin"],
      allowMethods: asked.headers["access-control-allow-methods"],
      allowHeaders: asked.headers["access-control-allow-headers"],
      maxAge: asked.headers["access-control-max-age"],
    },
    bad,
    afterBad,
    deleted: deleted.$metadata.httpStatusCode,
    afterDelete,
  };
}

async function sseC() {
  const Bucket = `${P}-ssec`;
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const other = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
  const withKey = (k) => ({ SSECustomerAlgorithm: "AES256", SSECustomerKey: k });
  const small = Buffer.from("customer-keyed secret ".repeat(100));
  const large = Buffer.alloc(6 * 1024 * 1024 + 5, 7);
  await https.send(new CreateBucketCommand({ Bucket }));
  const put = await https.send(
    new PutObjectCommand({ Bucket, Key: "small", Body: small, ...withKey(key) }),
  );
  const upload = new Upload({
    client: https,
    params: { Bucket, Key: "large", Body: large, ...withKey(key) },
    partSize: 5 * 1024 * 1024,
    queueSize: 1,
    leavePartsOnError: false,
  });
  await upload.done();
  const reads = {};
  for (const [Key, bytes] of [["small", small], ["large", large]]) {
    const got = await https.send(new GetObjectCommand({ Bucket, Key, ...withKey(key) }));
    const body = await bodyBytes(got);
    reads[Key] = {
      same: body.equals(bytes),
      length: body.length,
      algorithm: got.SSECustomerAlgorithm,
      keyMD5: got.SSECustomerKeyMD5,
    };
  }
  const noKey = await attempt(() => https.send(new GetObjectCommand({ Bucket, Key: "small" })));
  const wrongKey = await attempt(() =>
    https.send(new GetObjectCommand({ Bucket, Key: "small", ...withKey(other) })),
  );
  const overHttp = await attempt(() =>
    client.send(new PutObjectCommand({ Bucket, Key: "plain-http", Body: "x", ...withKey(key) })),
  );
  return {
    bucket: Bucket,
    put: { algorithm: put.SSECustomerAlgorithm, keyMD5: put.SSECustomerKeyMD5 },
    expectedKeyMD5: createHash("md5").update(key).digest("base64"),
    reads,
    noKey,
    wrongKey,
    overHttp,
  };
}

async function objectLock() {
  const Bucket = `${P}-lock`;
  await send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
  const VersionId = (await send(new PutObjectCommand({ Bucket, Key: "kept", Body: "keep me" })))
    .VersionId;
  const target = { Bucket, Key: "kept", VersionId };
  const until = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600 * 1000);
  const Retention = { Mode: "GOVERNANCE", RetainUntilDate: until };
  await send(new PutObjectRetentionCommand({ ...target, Retention }));
  const retention = (await send(new GetObjectRetentionCommand(target))).Retention;
  await send(new PutObjectLegalHoldCommand({ ...target, LegalHold: { Status: "ON" } }));
  const hold = (await send(new GetObjectLegalHoldCommand(target))).LegalHold;
  const head = await send(new HeadObjectCommand(target));
  const deleteHeld = await attempt(() =>
    send(new DeleteObjectCommand({ ...target, BypassGovernanceRetention: true })),
  );
  await send(new PutObjectLegalHoldCommand({ ...target, LegalHold: { Status: "OFF" } }));
  const deleteRetained = await attempt(() => send(new DeleteObjectCommand(target)));
  const deleteBypassing = await attempt(() =>
    send(new DeleteObjectCommand({ ...target, BypassGovernanceRetention: true })),
  );
  const plain = `${P}-nolock`;
  await send(new CreateBucketCommand({ Bucket: plain }));
  await send(new PutObjectCommand({ Bucket: plain, Key: "k", Body: "x" }));
  const noLock = await attempt(() =>
    send(
      new PutObjectRetentionCommand({
        Bucket: plain,
        Key: "k",
        Retention: { Mode: "GOVERNANCE", RetainUntilDate: until },
      }),
    ),
  );
  return {
    bucket: Bucket,
    plainBucket: plain,
    versionId: VersionId,
    until: until.toISOString(),
    retention: { mode: retention.Mode, until: retention.RetainUntilDate.toISOString() },
    hold: hold.Status,
    head: {
      mode: head.ObjectLockMode,
      until: head.ObjectLockRetainUntilDate?.toISOString(),
      hold: head.ObjectLockLegalHoldStatus,
    },
    deleteHeld,
    deleteRetained,
    deleteBypassing,
    noLock,
  };
}

const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const publicGrants = (grants) =>
  (grants ?? []).filter((g) => g.Grantee?.URI === ALL_USERS).map((g) => g.Permission);

async function acl() {
  const Bucket = `${P}-acl`;
  await send(new CreateBucketCommand({ Bucket, ObjectOwnership: "ObjectWriter" }));
  const blocked = await attempt(() =>
    send(new PutBucketAclCommand({ Bucket, ACL: "public-read" })),
  );
  const whileBlocked = publicGrants((await send(new GetBucketAclCommand({ Bucket }))).Grants);
  await send(new DeletePublicAccessBlockCommand({ Bucket }));
  const put = await send(new PutBucketAclCommand({ Bucket, ACL: "public-read" }));
  const bucketGrants = publicGrants((await send(new GetBucketAclCommand({ Bucket }))).Grants);
  const opened = { Bucket, Key: "open.txt" };
  await send(new PutObjectCommand({ ...opened, Body: "for everyone", ACL: "public-read" }));
  const objectGrants = publicGrants((await send(new GetObjectAclCommand(opened))).Grants);
  const enforced = `${P}-enforced`;
  await send(new CreateBucketCommand({ Bucket: enforced }));
  await send(new DeletePublicAccessBlockCommand({ Bucket: enforced }));
  const notSupported = await attempt(() =>
    send(new PutBucketAclCommand({ Bucket: enforced, ACL: "public-read" })),
  );
  return {
    bucket: Bucket,
    enforcedBucket: enforced,
    blocked,
    whileBlocked,
    put: put.$metadata.httpStatusCode,
    bucketGrants,
    objectGrants,
    notSupported,
  };
}

async function presignedPost() {
  let createPresignedPost;
  try {
    ({ createPresignedPost } = await import("@aws-sdk/s3-presigned-post"));
  } catch (err) {
    return { skipped: `@aws-sdk/s3-presigned-post is not installed (${err.code ?? err.message})` };
  }
  const Bucket = `${P}-post`;
  await send(new CreateBucketCommand({ Bucket }));
  const { url, fields } = await createPresignedPost(client, {
    Bucket,
    Key: "uploads/${filename}",
    Conditions: [
      ["content-length-range", 1, 1000],
      ["starts-with", "$key", "uploads/"],
    ],
    Fields: { "Content-Type": "text/plain", success_action_status: "201" },
    Expires: 300,
  });
  const post = async (bytes, filename) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append("file", new Blob([bytes]), filename);
    const answer = await fetch(url, { method: "POST", body: form });
    const location = answer.headers.get("location");
    return { status: answer.status, body: await answer.text(), location };
  };
  const content = Buffer.from("posted from a browser form\n");
  const uploaded = await post(content, "note.txt");
  const got = await send(new GetObjectCommand({ Bucket, Key: "uploads/note.txt" }));
  const gotBytes = await bodyBytes(got);
  const tooLarge = await post(Buffer.alloc(2000, 1), "big.txt");
  return {
    bucket: Bucket,
    fieldNames: Object.keys(fields).sort(),
    uploaded,
    read: { sha256: sha256(gotBytes), contentType: got.ContentType, etag: got.ETag },
    expected: {
      sha256: sha256(content),
      etag: `"${createHash("md5").update(content).digest("hex")}"`,
    },
    tooLarge,
  };
}

async function main() {
  const out = {};
  out.versioning = await versioning();
  out.cors = await cors();
  out.sseC = await sseC();
  out.objectLock = await objectLock();
  out.acl = await acl();
  out.presignedPost = await presignedPost();
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  const meta = err.$metadata ?? {};
  process.stderr.write(
    `${err.name}: ${err.message} (HTTP ${meta.httpStatusCode}, request ${meta.requestId})\n` +
      `${err.stack}\n`,
  );
  process.exit(1);
});
