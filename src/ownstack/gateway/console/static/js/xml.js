// Reading AWS's XML answers: elements are matched by local name, whatever the namespace.

export function parse(text) {
  if (!text || !text.trim()) return null;
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) {
    throw new Error("the server's answer is not well-formed XML");
  }
  return doc;
}

/** Every descendant element of `node` whose local name is `tag`. */
export function all(node, tag) {
  return node ? Array.from(node.getElementsByTagNameNS("*", tag)) : [];
}

/** The first descendant named `tag`, or null. */
export function one(node, tag) {
  return all(node, tag)[0] ?? null;
}

/** The text of the first descendant named `tag`, or "" when there is none. */
export function text(node, tag) {
  return one(node, tag)?.textContent ?? "";
}

/** The text of each direct child named `tag` of `node` (no deeper match). */
export function childText(node, tag) {
  const child = node ? Array.from(node.children).find((c) => c.localName === tag) : null;
  return child?.textContent ?? "";
}
