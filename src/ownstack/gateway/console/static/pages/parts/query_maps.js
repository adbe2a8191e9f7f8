// Maps in the query protocol (SNS, IAM): reading <entry><key/><value/></entry> answers and
// flattening maps into Attributes.entry.N.key / .value parameters.

/** <entry><key>K</key><value>V</value></entry>... -> {K: V}. */
export function entries(xml, doc) {
  return Object.fromEntries(xml.all(doc, "entry").map((e) => [xml.childText(e, "key"), xml.childText(e, "value")]));
}

/** {K: V} -> {"Attributes.entry.1.key": K, "Attributes.entry.1.value": V, ...}. */
export function attributeParams(attributes, prefix = "Attributes") {
  const params = {};
  Object.entries(attributes).forEach(([key, value], i) => {
    params[`${prefix}.entry.${i + 1}.key`] = key;
    params[`${prefix}.entry.${i + 1}.value`] = value;
  });
  return params;
}

/** SQS-style message attributes ({name: {DataType, StringValue}}) -> SNS Publish's
 *  MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue parameters. */
export function messageAttributeParams(attributes) {
  const params = {};
  Object.entries(attributes || {}).forEach(([name, value], i) => {
    const at = `MessageAttributes.entry.${i + 1}`;
    params[`${at}.Name`] = name;
    params[`${at}.Value.DataType`] = value.DataType;
    if (value.StringValue !== undefined) params[`${at}.Value.StringValue`] = value.StringValue;
    if (value.BinaryValue !== undefined) params[`${at}.Value.BinaryValue`] = value.BinaryValue;
  });
  return params;
}
