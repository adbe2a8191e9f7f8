// The console's pages, in navigation order: each name is a module pages/<name>.js exporting
// `title` and `async render(root, ctx)` (docs/console.md). The first is the landing page.
export const PAGES = ["buckets", "queues", "topics", "tables", "functions", "iam", "logs", "events", "server"];
