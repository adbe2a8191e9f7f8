// SQS load generator for benchmarks/sqs.py: SigV4-signed AWS JSON 1.0 requests over keep-alive
// connections, with nothing but Node's built-ins (a Python client would be the bottleneck on
// its core long before the servers are).
//
//   node sqs_load.mjs '<json settings>'      prints one JSON result line
//
// settings: endpoint, region, accessKey, secretKey, queueUrl, mode ("throughput" | "latency"),
// producers, consumers, seconds, bodyBytes (throughput); samples (latency).
import crypto from "node:crypto";
import http from "node:http";

const cfg = JSON.parse(process.argv[2]);
const url = new URL(cfg.endpoint);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
const signingKeys = new Map();

function sha256hex(data) {
  return crypto.createHash("sha256").update(data).digest("hex");
}

function signingKey(date) {
  let key = signingKeys.get(date);
  if (!key) {
    key = crypto.createHmac("sha256", `AWS4${cfg.secretKey}`).update(date).digest();
    for (const part of [cfg.region, "sqs", "aws4_request"]) {
      key = crypto.createHmac("sha256", key).update(part).digest();
    }
    signingKeys.set(date, key);
  }
  return key;
}

function headers(target, body) {
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const date = amzDate.slice(0, 8);
  const contentType = "application/x-amz-json-1.0";
  const amzTarget = `AmazonSQS.${target}`;
  const signed = "content-type;host;x-amz-date;x-amz-target";
  const canonical = [
    "POST", "/", "",
    `content-type:${contentType}`, `host:${url.host}`, `x-amz-date:${amzDate}`,
    `x-amz-target:${amzTarget}`, "", signed, sha256hex(body),
  ].join("\n");
  const scope = `${date}/${cfg.region}/sqs/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonical)].join("\n");
  const signature = crypto.createHmac("sha256", signingKey(date)).update(toSign).digest("hex");
  return {
    "content-type": contentType,
    "x-amz-date": amzDate,
    "x-amz-target": amzTarget,
    "content-length": Buffer.byteLength(body),
    authorization:
      `AWS4-HMAC-SHA256 Credential=${cfg.accessKey}/${scope}, ` +
      `SignedHeaders=${signed}, Signature=${signature}`,
  };
}

function call(target, params) {
  const body = JSON.stringify(params);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method: "POST", path: "/",
        headers: headers(target, body) },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) reject(new Error(`${target}: ${res.statusCode} ${text}`));
          else resolve(text ? JSON.parse(text) : {});
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function producer(deadline, counts) {
  const body = "m".repeat(cfg.bodyBytes);
  while (Date.now() < deadline) {
    await call("SendMessage", { QueueUrl: cfg.queueUrl, MessageBody: body });
    counts.sent += 1;
  }
}

async function consumer(deadline, counts) {
  while (Date.now() < deadline) {
    const got = await call("ReceiveMessage", {
      QueueUrl: cfg.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
    });
    for (const m of got.Messages ?? []) {
      await call("DeleteMessage", { QueueUrl: cfg.queueUrl, ReceiptHandle: m.ReceiptHandle });
      if (Date.now() < deadline) counts.consumed += 1;
    }
  }
}

async function throughput() {
  const counts = { sent: 0, consumed: 0 };
  const start = Date.now();
  const deadline = start + cfg.seconds * 1000;
  const workers = [];
  for (let i = 0; i < cfg.producers; i++) workers.push(producer(deadline, counts));
  for (let i = 0; i < cfg.consumers; i++) workers.push(consumer(deadline, counts));
  await Promise.all(workers);
  const seconds = cfg.seconds;
  return { sent_per_s: counts.sent / seconds, consumed_per_s: counts.consumed / seconds };
}

async function latency() {
  // One consumer long-polls; once its receive is surely waiting, one send. The figure is from
  // the send's start to the receive's answer: what a long-polling consumer sees.
  const samples = [];
  for (let i = 0; i < cfg.samples; i++) {
    const waiting = call("ReceiveMessage", {
      QueueUrl: cfg.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 20,
    });
    await new Promise((r) => setTimeout(r, 20));
    const sentAt = process.hrtime.bigint();
    await call("SendMessage", { QueueUrl: cfg.queueUrl, MessageBody: `latency ${i}` });
    const got = await waiting;
    const ms = Number(process.hrtime.bigint() - sentAt) / 1e6;
    const message = (got.Messages ?? [])[0];
    if (!message) throw new Error("a long-polled receive returned no message");
    samples.push(ms);
    await call("DeleteMessage", { QueueUrl: cfg.queueUrl, ReceiptHandle: message.ReceiptHandle });
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50_ms: at(0.5), p99_ms: at(0.99), samples: samples.length };
}

const result = cfg.mode === "latency" ? await latency() : await throughput();
console.log(JSON.stringify(result));
agent.destroy();
