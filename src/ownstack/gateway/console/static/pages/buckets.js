// Buckets: list, create, delete; browse a bucket by prefix (delimiter "/"); upload with a
// progress bar; download, delete; an object's metadata (HEAD), tags, and a presigned link.
// Routes: #/buckets, #/buckets?bucket=B&prefix=P, #/buckets?bucket=B&key=K.

export const title = "Buckets";

const PRESIGN_EXPIRIES = [
  ["900", "15 minutes"],
  ["3600", "1 hour"],
  ["86400", "1 day"],
  ["604800", "7 days (the most SigV4 allows)"],
];

export async function render(root, ctx) {
  const { bucket, key } = ctx.params;
  if (bucket && key) return renderObject(root, ctx, bucket, key);
  if (bucket) return renderBucket(root, ctx, bucket, ctx.params.prefix || "");
  return renderBuckets(root, ctx);
}

// ----- all buckets

function createBucketBody(region) {
  if (region === "us-east-1") return undefined;
  return (
    '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<LocationConstraint>${region}</LocationConstraint></CreateBucketConfiguration>`
  );
}

async function renderBuckets(root, ctx) {
  const { ui, xml, api } = ctx;
  const { body: doc } = await api.s3("GET", "/");
  const buckets = xml.all(doc, "Bucket").map((b) => ({
    name: xml.childText(b, "Name"),
    created: xml.childText(b, "CreationDate"),
  }));
  const create = ui.form(
    [{ name: "name", label: "New bucket name", placeholder: "my-bucket", required: true }],
    async ({ name }) => {
      const bucketName = name.trim();
      await api.s3("PUT", `/${bucketName}`, { body: createBucketBody(ctx.region), as: "none" });
      ctx.notice(`Created bucket ${bucketName}.`);
      await ctx.refresh();
    },
    { submit: "Create bucket", test: "create-bucket" },
  );
  const rows = ui.table(
    [
      {
        label: "Name",
        render: (b) => ui.link(b.name, "buckets", { bucket: b.name }, { "data-test": "bucket-link" }),
      },
      { label: "Created", render: (b) => ui.when(b.created) },
      {
        label: "",
        render: (b) =>
          ui.confirmButton("Delete", async () => {
            await api.s3("DELETE", `/${b.name}`, { as: "none" });
            ctx.notice(`Deleted bucket ${b.name}.`);
            await ctx.refresh();
          }, { test: "delete-bucket" }),
      },
    ],
    buckets,
    { empty: "No buckets yet: create one below.", test: "buckets" },
  );
  rows.querySelectorAll("tbody tr").forEach((tr, i) => {
    if (buckets[i]) Object.assign(tr.dataset, { test: "bucket-row", name: buckets[i].name });
  });
  root.append(ui.section(plural(buckets.length, "bucket"), rows), ui.section("Create", create));
}

// ----- one bucket, one prefix

function crumbs(ctx, bucket, prefix) {
  const { ui } = ctx;
  const parts = prefix.split("/").filter(Boolean);
  const links = [ui.link("Buckets", "buckets"), " / ", ui.link(bucket, "buckets", { bucket })];
  let at = "";
  for (const part of parts) {
    at += `${part}/`;
    links.push(" / ", ui.link(part, "buckets", { bucket, prefix: at }));
  }
  return ui.h("p", { class: "crumbs", "data-test": "crumbs" }, links);
}

async function listing(ctx, bucket, prefix, token) {
  const { api, xml } = ctx;
  const query = { "list-type": "2", delimiter: "/", prefix, "continuation-token": token };
  const { body: doc } = await api.s3("GET", `/${bucket}`, { query });
  return {
    folders: xml.all(doc, "CommonPrefixes").map((p) => xml.childText(p, "Prefix")),
    objects: xml.all(doc, "Contents").map((c) => ({
      key: xml.childText(c, "Key"),
      size: Number(xml.childText(c, "Size")),
      modified: xml.childText(c, "LastModified"),
      etag: xml.childText(c, "ETag"),
    })),
    next: xml.text(doc, "IsTruncated") === "true" ? xml.text(doc, "NextContinuationToken") : "",
  };
}

function baseName(key) {
  return key.split("/").filter(Boolean).pop() || "download";
}

export async function download(ctx, bucket, key) {
  const { body } = await ctx.api.s3("GET", `/${bucket}/${key}`, { as: "blob" });
  ctx.ui.saveBlob(body, baseName(key));
}

function uploadForm(ctx, bucket, prefix, reload) {
  const { ui, api } = ctx;
  const bar = ui.progress();
  bar.hidden = true;
  const form = ui.form(
    [
      { name: "file", label: "File", type: "file", required: true },
      { name: "name", label: `Key (after "${prefix}", default: the file's name)`, placeholder: "optional" },
    ],
    async ({ file, name }, formEl) => {
      if (!file) throw new Error("Choose a file to upload.");
      const key = prefix + (name.trim() || file.name);
      bar.hidden = false;
      bar.set(0, file.size);
      await api.s3Upload(bucket, key, file, { onProgress: (loaded, total) => bar.set(loaded, total) });
      ctx.notice(`Uploaded ${key} (${ui.bytes(file.size)}).`);
      formEl.reset(); // the bar keeps showing how the last upload ended
      await reload();
    },
    { submit: "Upload", test: "upload" },
  );
  form.append(bar);
  return form;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

async function listingSection(ctx, bucket, prefix, reload) {
  const { ui, api } = ctx;
  const { folders, objects, next } = await listing(ctx, bucket, prefix, ctx.params.token);
  const rel = (key) => key.slice(prefix.length);
  const rows = [...folders.map((p) => ({ folder: p })), ...objects];
  const table = ui.table(
    [
      {
        label: "Name",
        render: (row) =>
          row.folder
            ? ui.link(rel(row.folder), "buckets", { bucket, prefix: row.folder }, { class: "folder", "data-test": "folder-link" })
            : ui.link(rel(row.key), "buckets", { bucket, key: row.key }, { "data-test": "object-link" }),
      },
      { label: "Size", render: (row) => (row.folder ? "" : ui.bytes(row.size)) },
      { label: "Last modified", render: (row) => (row.folder ? "" : ui.when(row.modified)) },
      {
        label: "",
        render: (row) =>
          row.folder
            ? ""
            : [
                ui.button("Download", () => download(ctx, bucket, row.key), { test: "download" }),
                " ",
                ui.confirmButton("Delete", async () => {
                  await api.s3("DELETE", `/${bucket}/${row.key}`, { as: "none" });
                  ctx.notice(`Deleted ${row.key}.`);
                  await reload();
                }, { test: "delete-object" }),
              ],
      },
    ],
    rows,
    { empty: prefix ? "Nothing under this prefix." : "This bucket is empty: upload a file below.", test: "objects" },
  );
  table.querySelectorAll("tbody tr").forEach((tr, i) => {
    const row = rows[i];
    if (row?.key !== undefined) Object.assign(tr.dataset, { test: "object-row", key: row.key });
    if (row?.folder !== undefined) Object.assign(tr.dataset, { test: "folder-row", prefix: row.folder });
  });
  const more = next
    ? ui.link("Next page →", "buckets", { bucket, prefix, token: next }, { class: "more" })
    : null;
  return ui.section(`${plural(objects.length, "object")}, ${plural(folders.length, "folder")}`, table, more);
}

async function renderBucket(root, ctx, bucket, prefix) {
  const box = ctx.ui.h("div", { class: "listing" });
  // An upload or a delete reloads the listing only: the upload form keeps its progress bar.
  const reload = async () => box.replaceChildren(await listingSection(ctx, bucket, prefix, reload));
  await reload();
  root.append(crumbs(ctx, bucket, prefix), box, ctx.ui.section("Upload", uploadForm(ctx, bucket, prefix, reload)));
}

// ----- one object

function metadataPairs(headers, bytes) {
  const shown = ["content-type", "content-length", "etag", "last-modified", "cache-control",
    "content-encoding", "content-disposition", "x-amz-version-id", "x-amz-server-side-encryption",
    "x-amz-storage-class"];
  const pairs = [];
  for (const name of shown) {
    const value = headers.get(name);
    if (value !== null) pairs.push([name, name === "content-length" ? `${value} (${bytes(value)})` : value]);
  }
  headers.forEach((value, name) => {
    if (name.startsWith("x-amz-meta-")) pairs.push([name, value]);
  });
  return pairs;
}

function presignForm(ctx, bucket, key) {
  const { ui, api } = ctx;
  const output = ui.h("input", { type: "text", readOnly: true, class: "url", "data-test": "presigned-url" });
  const open = ui.h("a", { target: "_blank", rel: "noopener", hidden: true }, "Open");
  const form = ui.form(
    [{ name: "expires", label: "Link valid for", type: "select", value: "3600", options: PRESIGN_EXPIRIES }],
    async ({ expires }) => {
      const url = await api.presign("GET", `/${bucket}/${key}`, { expires: Number(expires) });
      output.value = url;
      open.href = url;
      open.hidden = false;
      output.select();
    },
    { submit: "Presign a GET link", test: "presign" },
  );
  return [form, ui.h("p", { class: "presigned" }, output, " ", open)];
}

async function renderObject(root, ctx, bucket, key) {
  const { ui, api, xml } = ctx;
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash + 1) : "";
  const [head, tagging] = await Promise.all([
    api.s3("HEAD", `/${bucket}/${key}`, { as: "none" }),
    api.s3("GET", `/${bucket}/${key}`, { query: { tagging: "" } }).catch((err) => err),
  ]);
  const tags =
    tagging instanceof Error
      ? [["(tags unavailable)", `${tagging.code}: ${tagging.awsMessage || tagging.message}`]]
      : xml.all(tagging.body, "Tag").map((t) => [xml.childText(t, "Key"), xml.childText(t, "Value")]);
  root.append(
    crumbs(ctx, bucket, prefix),
    ui.h("h2", { class: "object-key", "data-test": "object-key" }, key),
    ui.h(
      "p",
      { class: "actions" },
      ui.button("Download", () => download(ctx, bucket, key), { test: "download" }),
      " ",
      ui.confirmButton("Delete", async () => {
        await api.s3("DELETE", `/${bucket}/${key}`, { as: "none" });
        await ctx.go("buckets", { bucket, prefix });
        ctx.notice(`Deleted ${key}.`);
      }, { test: "delete-object" }),
    ),
    ui.section("Metadata", ui.kv(metadataPairs(head.headers, ui.bytes), { test: "metadata" })),
    ui.section("Tags", tags.length ? ui.kv(tags, { test: "tags" }) : ui.h("p", { class: "empty", "data-test": "tags" }, "No tags.")),
    ui.section("Share", ...presignForm(ctx, bucket, key)),
  );
}
