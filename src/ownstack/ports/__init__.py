"""Layer interfaces (typing.Protocol) and their error types. Backends implement them; services
use them. Each port has a conformance suite in tests/conformance/<port>/."""
