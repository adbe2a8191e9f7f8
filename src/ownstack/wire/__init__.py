"""AWS protocols, generically, from botocore's service models (rest-xml, query, json, rest-json),
and SigV4 verification. Nothing here knows one operation from another by hand: operation
matching, parameter parsing and response serialization are all driven by the model."""
