// A handler that needs `ms`: it comes only from `sam build` (npm install into the artifact).
const path = require("path");
const ms = require("ms");

exports.handler = async (event) => ({
  millis: ms(event.span),
  long: ms(ms(event.span), { long: true }),
  from: path.relative(__dirname, require.resolve("ms")),
  node: process.versions.node.split(".")[0],
});
