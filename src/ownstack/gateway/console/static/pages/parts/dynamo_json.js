// DynamoDB's typed JSON ({"S": "x"}, {"N": "1"}, {"M": {...}}) to and from plain JSON, for
// showing and editing items. Plain JSON has no sets, binary or numbers beyond a double: those
// show as arrays and strings, and the typed view edits them exactly.

const SAFE_NUMBER = /^-?(0|[1-9]\d{0,14})(\.\d{1,6})?$/;

function number(text) {
  return SAFE_NUMBER.test(text) && String(Number(text)) === text ? Number(text) : text;
}

/** An AttributeValue as plain JSON. */
export function unmarshal(value) {
  const [type, inner] = Object.entries(value)[0] || [];
  switch (type) {
    case "S":
    case "B":
      return inner;
    case "N":
      return number(inner);
    case "BOOL":
      return inner;
    case "NULL":
      return null;
    case "SS":
    case "BS":
      return [...inner];
    case "NS":
      return inner.map(number);
    case "L":
      return inner.map(unmarshal);
    case "M":
      return unmarshalItem(inner);
    default:
      return value;
  }
}

export function unmarshalItem(item) {
  return Object.fromEntries(Object.entries(item || {}).map(([k, v]) => [k, unmarshal(v)]));
}

/** Plain JSON as an AttributeValue (strings S, numbers N, arrays L, objects M). */
export function marshal(value) {
  if (value === null) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(marshal) };
  return { M: marshalItem(value) };
}

export function marshalItem(object) {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, marshal(v)]));
}

/** A key attribute's value as typed for its declared type (S, N or B). */
export function keyValue(type, text) {
  return { [type]: String(text) };
}
