// Drives an ownstack server with the AWS SDK for JavaScript v3 and prints one JSON document of
// what it saw; tests/clients/test_js_sdk.py runs it and asserts every field.
// Env: OWNSTACK_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, BUCKET,
//      SMALL_FILE, LARGE_FILE (paths of files the test wrote), PART_SIZE (bytes).
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  DeleteObjectsCommand,
  DeleteBucketCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const env = process.env;
const bucket = env.BUCKET;
const client = new S3Client({
  endpoint: env.OWNSTACK_ENDPOINT,
  region: env.AWS_REGION,
  forcePathStyle: true,
  maxAttempts: 1,
  credentials: {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
  },
});

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

async function bodyBytes(response) {
  return Buffer.from(await response.Body.transformToByteArray());
}

async function main() {
  const small = await readFile(env.SMALL_FILE);
  const large = await readFile(env.LARGE_FILE);
  const out = {};

  const created = await client.send(new CreateBucketCommand({ Bucket: bucket }));
  out.createBucket = { status: created.$metadata.httpStatusCode };

  const put = await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "js/small.bin",
      Body: small,
      ContentType: "application/x-test",
      Metadata: { origin: "js-sdk" },
    }),
  );
  out.put = { status: put.$metadata.httpStatusCode, etag: put.ETag };

  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "js/small.bin" }));
  const gotBytes = await bodyBytes(got);
  out.get = {
    length: gotBytes.length,
    sha256: sha256(gotBytes),
    contentType: got.ContentType,
    metadata: got.Metadata,
    etag: got.ETag,
  };

  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: "js/large.bin", Body: large },
    partSize: Number(env.PART_SIZE),
    queueSize: 2,
    leavePartsOnError: false,
  });
  const uploaded = await upload.done();
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "js/large.bin" }));
  out.multipart = { etag: uploaded.ETag, headEtag: head.ETag, headLength: head.ContentLength };

  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "js/" }));
  out.list = {
    keyCount: listed.KeyCount,
    isTruncated: listed.IsTruncated,
    objects: (listed.Contents ?? []).map((o) => ({ key: o.Key, size: o.Size, etag: o.ETag })),
  };

  const url = await getSignedUrl(
    client,
    new GetObjectCommand({ Bucket: bucket, Key: "js/large.bin" }),
    { expiresIn: 300 },
  );
  const fetched = await fetch(url);
  const fetchedBytes = Buffer.from(await fetched.arrayBuffer());
  out.presigned = {
    status: fetched.status,
    length: fetchedBytes.length,
    sha256: sha256(fetchedBytes),
    queryAuth: new URL(url).searchParams.has("X-Amz-Signature"),
  };

  const deleted = await client.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: [{ Key: "js/small.bin" }, { Key: "js/large.bin" }, { Key: "js/none" }] },
    }),
  );
  out.deleteObjects = {
    deleted: (deleted.Deleted ?? []).map((d) => d.Key).sort(),
    errors: deleted.Errors ?? [],
  };

  const after = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  out.listAfterDelete = { keyCount: after.KeyCount };

  const gone = await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  out.deleteBucket = { status: gone.$metadata.httpStatusCode };

  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  const meta = err.$metadata ?? {};
  process.stderr.write(
    `${err.name}: ${err.message} (HTTP ${meta.httpStatusCode}, request ${meta.requestId})\n`,
  );
  process.exit(1);
});
