// Drives an ownstack server with the AWS SDK for JavaScript v3 (client-dynamodb, lib-dynamodb's
// DynamoDBDocumentClient, client-dynamodb-streams) and prints one JSON document of what it saw;
// tests/clients/test_js_sdk_dynamodb.py runs it and asserts every field. Each step records
// either its result or the error the SDK raised, so one missing operation does not hide the
// others. The document client marshals native JS values (numbers, Sets, Uint8Array, nested
// objects) into AttributeValues and back; the test checks both the round trip and the wire
// shapes (read back with the low-level client).
// Env: OWNSTACK_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, STEM.
import {
  DynamoDBClient,
  CreateTableCommand,
  DescribeTableCommand,
  DeleteTableCommand,
  GetItemCommand,
  ListTablesCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  NumberValue,
  PutCommand,
  GetCommand,
  UpdateCommand,
  DeleteCommand,
  QueryCommand,
  ScanCommand,
  BatchWriteCommand,
  BatchGetCommand,
  TransactWriteCommand,
  TransactGetCommand,
  ExecuteStatementCommand,
  paginateQuery,
  paginateScan,
} from "@aws-sdk/lib-dynamodb";
import {
  DynamoDBStreamsClient,
  ListStreamsCommand,
  DescribeStreamCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
} from "@aws-sdk/client-dynamodb-streams";

const env = process.env;
const common = {
  endpoint: env.OWNSTACK_ENDPOINT,
  region: env.AWS_REGION,
  maxAttempts: 1,
  credentials: {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
  },
};
const low = new DynamoDBClient(common);
// Each document client gets its own low-level client: `from` stores its translate options in
// the shared config, so two document clients over one client would share the last options.
const doc = DynamoDBDocumentClient.from(new DynamoDBClient(common), {
  marshallOptions: { removeUndefinedValues: true },
});
// Reads numbers as NumberValue (exact decimal strings) so big numbers survive the round trip.
const exact = DynamoDBDocumentClient.from(new DynamoDBClient(common), {
  unmarshallOptions: { wrapNumbers: true },
});
const streams = new DynamoDBStreamsClient(common);
const TABLE = `js-ddb-${env.STEM}`;
const BIG = "123456789012345678901234567890.5";

// JSON has no Set, Uint8Array, bigint or NumberValue: tag them so Python can check the types.
function plain(value) {
  if (value instanceof Set) {
    const members = [...value].map(plain);
    members.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return { $set: members };
  }
  if (value instanceof Uint8Array) return { $bytes: Array.from(value) };
  if (value instanceof NumberValue) return { $number: value.toString() };
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).sort().map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function failure(err) {
  return {
    error: err.name,
    message: err.message,
    status: err.$metadata?.httpStatusCode,
    ...(err.CancellationReasons ? { reasons: err.CancellationReasons.map((r) => r.Code) } : {}),
    ...(err.Item ? { item: plain(err.Item) } : {}),
  };
}

async function step(seen, name, fn) {
  try {
    seen[name] = plain(await fn());
  } catch (err) {
    seen[name] = failure(err);
  }
}

async function createTable() {
  const created = await low.send(new CreateTableCommand({
    TableName: TABLE,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
      { AttributeName: "colour", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [{
      IndexName: "by-colour",
      KeySchema: [
        { AttributeName: "colour", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  }));
  await waitUntilTableExists({ client: low, maxWaitTime: 30, minDelay: 1 }, { TableName: TABLE });
  const { Table } = await low.send(new DescribeTableCommand({ TableName: TABLE }));
  return {
    createdName: created.TableDescription.TableName,
    status: Table.TableStatus,
    index: Table.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus]),
    streamArnIsLatest: created.TableDescription.LatestStreamArn === Table.LatestStreamArn,
    streamView: Table.StreamSpecification?.StreamViewType,
  };
}

const richItem = {
  pk: "rich",
  sk: 1,
  colour: "red",
  int: 42,
  negative: -7.25,
  big: NumberValue.from(BIG),
  text: "Zoë ✓",
  empty: "",
  yes: true,
  nothing: null,
  skipped: undefined,
  bytes: new Uint8Array([0, 1, 2, 254, 255]),
  strings: new Set(["b", "a"]),
  numbers: new Set([3, 1.5]),
  blobs: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
  list: [1, "two", [3], { four: 4 }],
  nested: { level1: { level2: { deep: "yes", n: 0 } }, emptyMap: {} },
};

async function marshalling(seen) {
  await step(seen, "put", async () => {
    const r = await doc.send(new PutCommand({ TableName: TABLE, Item: richItem }));
    return { attributes: r.Attributes ?? null };
  });
  await step(seen, "getExact", async () => {
    const r = await exact.send(new GetCommand({
      TableName: TABLE, Key: { pk: "rich", sk: 1 }, ConsistentRead: true,
    }));
    return r.Item;
  });
  await step(seen, "getWire", async () => {
    const r = await low.send(new GetItemCommand({
      TableName: TABLE, Key: { pk: { S: "rich" }, sk: { N: "1" } },
      ProjectionExpression: "negative, strings, numbers, blobs, bytes, nested.level1, #l[3]",
      ExpressionAttributeNames: { "#l": "list" },
    }));
    return r.Item;
  });
  await step(seen, "getProjected", async () => {
    const r = await doc.send(new GetCommand({
      TableName: TABLE, Key: { pk: "rich", sk: 1 },
      ProjectionExpression: "#t, nested.level1.level2.deep, #l[1]",
      ExpressionAttributeNames: { "#t": "text", "#l": "list" },
    }));
    return r.Item;
  });
}

async function updates(seen) {
  await step(seen, "update", async () => {
    const r = await doc.send(new UpdateCommand({
      TableName: TABLE,
      Key: { pk: "rich", sk: 1 },
      UpdateExpression:
        "SET #i = #i + :one, nested.level1.level2.n = :n, #l = list_append(#l, :more), " +
        "#ctr = if_not_exists(#ctr, :zero) + :one REMOVE #e ADD strings :c DELETE numbers :gone",
      ConditionExpression: "attribute_exists(pk) AND #i = :expected AND size(strings) = :two",
      ExpressionAttributeNames: {
        "#i": "int", "#l": "list", "#e": "empty", "#ctr": "counter",
      },
      ExpressionAttributeValues: {
        ":one": 1, ":n": 99, ":more": ["five"], ":zero": 0, ":c": new Set(["c"]),
        ":gone": new Set([3]), ":expected": 42, ":two": 2,
      },
      ReturnValues: "UPDATED_NEW",
    }));
    return r.Attributes;
  });
  await step(seen, "conditionFails", async () => {
    await doc.send(new PutCommand({
      TableName: TABLE,
      Item: { pk: "rich", sk: 1 },
      ConditionExpression: "#i = :wrong",
      ExpressionAttributeNames: { "#i": "int" },
      ExpressionAttributeValues: { ":wrong": 0 },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }));
    return "no error";
  });
  await step(seen, "wrongKeyType", async () => {
    await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: "rich", sk: "1" } }));
    return "no error";
  });
}

async function seed() {
  const items = [];
  for (let n = 0; n < 12; n++) {
    items.push({ pk: "many", sk: n, colour: n % 3 === 0 ? "blue" : "green", n });
  }
  const results = [];
  for (const chunk of [items.slice(0, 10), items.slice(10)]) {
    const r = await doc.send(new BatchWriteCommand({
      RequestItems: { [TABLE]: chunk.map((Item) => ({ PutRequest: { Item } })) },
    }));
    results.push(Object.keys(r.UnprocessedItems ?? {}).length);
  }
  return results;
}

async function reads(seen) {
  await step(seen, "batchWrite", seed);
  await step(seen, "query", async () => {
    const r = await doc.send(new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: "pk = :p AND sk BETWEEN :lo AND :hi",
      FilterExpression: "colour <> :blue",
      ExpressionAttributeValues: { ":p": "many", ":lo": 2, ":hi": 9, ":blue": "blue" },
      ScanIndexForward: false,
    }));
    return { sks: r.Items.map((i) => i.sk), count: r.Count, scanned: r.ScannedCount };
  });
  await step(seen, "queryPages", async () => {
    const pages = [];
    const paginator = paginateQuery({ client: doc, pageSize: 5 }, {
      TableName: TABLE,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": "many" },
    });
    for await (const page of paginator) pages.push(page.Items.map((i) => i.sk));
    return pages;
  });
  await step(seen, "queryIndex", async () => {
    const r = await doc.send(new QueryCommand({
      TableName: TABLE,
      IndexName: "by-colour",
      KeyConditionExpression: "colour = :c AND sk > :s",
      ExpressionAttributeValues: { ":c": "blue", ":s": 0 },
    }));
    return r.Items.map((i) => [i.pk, i.sk]);
  });
  await step(seen, "scanPages", async () => {
    let pages = 0;
    const found = [];
    const paginator = paginateScan({ client: doc, pageSize: 4 }, {
      TableName: TABLE,
      FilterExpression: "attribute_exists(n) AND n >= :min",
      ExpressionAttributeValues: { ":min": 6 },
    });
    for await (const page of paginator) {
      pages += 1;
      found.push(...page.Items.map((i) => i.n));
    }
    found.sort((a, b) => a - b);
    return { pages, found };
  });
  await step(seen, "batchGet", async () => {
    const r = await doc.send(new BatchGetCommand({
      RequestItems: {
        [TABLE]: {
          Keys: [{ pk: "many", sk: 0 }, { pk: "many", sk: 11 }, { pk: "absent", sk: 1 }],
          ProjectionExpression: "sk, colour",
        },
      },
    }));
    const got = r.Responses[TABLE].map((i) => [i.sk, i.colour]);
    got.sort((a, b) => a[0] - b[0]);
    return { got, unprocessed: Object.keys(r.UnprocessedKeys ?? {}).length };
  });
}

async function transactions(seen) {
  await step(seen, "transactWrite", async () => {
    await doc.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: TABLE, Item: { pk: "tx", sk: 1, v: new Set(["x"]) } } },
        {
          Update: {
            TableName: TABLE, Key: { pk: "many", sk: 1 },
            UpdateExpression: "SET n = :z",
            ExpressionAttributeValues: { ":z": 0 },
          },
        },
        {
          ConditionCheck: {
            TableName: TABLE, Key: { pk: "many", sk: 2 },
            ConditionExpression: "colour = :g", ExpressionAttributeValues: { ":g": "green" },
          },
        },
        { Delete: { TableName: TABLE, Key: { pk: "many", sk: 3 } } },
      ],
    }));
    const r = await doc.send(new TransactGetCommand({
      TransactItems: [
        { Get: { TableName: TABLE, Key: { pk: "tx", sk: 1 } } },
        { Get: { TableName: TABLE, Key: { pk: "many", sk: 1 }, ProjectionExpression: "n" } },
        { Get: { TableName: TABLE, Key: { pk: "many", sk: 3 } } },
      ],
    }));
    return r.Responses.map((x) => x.Item ?? null);
  });
  await step(seen, "transactCancelled", async () => {
    await doc.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: TABLE, Item: { pk: "tx", sk: 2 } } },
        {
          ConditionCheck: {
            TableName: TABLE, Key: { pk: "tx", sk: 1 },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
    }));
    return "no error";
  });
  await step(seen, "afterCancel", async () => {
    const r = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: "tx", sk: 2 } }));
    return r.Item ?? null;
  });
  await step(seen, "partiql", async () => {
    const r = await doc.send(new ExecuteStatementCommand({
      Statement: `SELECT sk, colour FROM "${TABLE}" WHERE pk = ? AND sk < ?`,
      Parameters: ["many", 3],
    }));
    return r.Items.map((i) => [i.sk, i.colour]).sort((a, b) => a[0] - b[0]);
  });
  await step(seen, "delete", async () => {
    const r = await doc.send(new DeleteCommand({
      TableName: TABLE, Key: { pk: "tx", sk: 1 }, ReturnValues: "ALL_OLD",
    }));
    return r.Attributes;
  });
}

async function shardRecords(StreamArn) {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const records = [];
  for (const shard of StreamDescription.Shards) {
    let { ShardIterator } = await streams.send(new GetShardIteratorCommand({
      StreamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON",
    }));
    for (let i = 0; i < 20 && ShardIterator; i++) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      records.push(...page.Records);
      if (page.Records.length === 0) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return { records, view: StreamDescription.StreamViewType };
}

async function streamRead() {
  const { Streams } = await streams.send(new ListStreamsCommand({ TableName: TABLE }));
  let seen = { records: [] };
  // Records reach the stream shortly after the write; poll for up to ten seconds.
  for (let i = 0; i < 50; i++) {
    seen = await shardRecords(Streams[0].StreamArn);
    if (seen.records.length >= 3) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const rich = seen.records.filter((r) => r.dynamodb.Keys.pk.S === "rich");
  return {
    streams: Streams.length,
    view: seen.view,
    rich: rich.map((r) => ({
      event: r.eventName,
      oldInt: r.dynamodb.OldImage?.int ?? null,
      newInt: r.dynamodb.NewImage?.int ?? null,
      newBytes: r.dynamodb.NewImage?.bytes ?? null,
    })),
    // Every write above reaches the stream: 1 put, 1 update, 12 batch puts, 3 transaction
    // writes (the condition check writes nothing) and 1 delete; failed writes add nothing.
    total: seen.records.length,
  };
}

async function main() {
  const seen = {};
  await step(seen, "table", createTable);
  await marshalling(seen);
  await updates(seen);
  await reads(seen);
  await transactions(seen);
  await step(seen, "stream", streamRead);
  await step(seen, "listed", async () => {
    const r = await low.send(new ListTablesCommand({ ExclusiveStartTableName: "js-ddb-" }));
    return r.TableNames.includes(TABLE);
  });
  await step(seen, "dropped", async () => {
    await low.send(new DeleteTableCommand({ TableName: TABLE }));
    await waitUntilTableNotExists(
      { client: low, maxWaitTime: 30, minDelay: 1 }, { TableName: TABLE },
    );
    return "gone";
  });
  console.log(JSON.stringify(seen));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
