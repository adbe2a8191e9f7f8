"""Records a service keeps in the metadata port, as msgspec JSON: one base for all of them.

A record is a dataclass deriving from JsonRecord. It is stored as a JSON object with one member
per field, in field order (bytes as base64): the format existing data dirs hold. Members a
stored record lacks take their defaults; members the class lacks are ignored, so fields can be
added without migrating. msgspec encodes and decodes the dataclasses directly, 5-7x faster than
json + dataclasses.asdict / cls(**data) (a 1 KiB S3 object record: ~2.3 us each way).
"""

from __future__ import annotations

from typing import Any, Self

import msgspec

_ENCODER = msgspec.json.Encoder()
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
"""One decoder per record class, made on its first decode (after @dataclass has run)."""


class JsonRecord:
    __slots__ = ()  # so that a @dataclass(slots=True) record stays without a __dict__

    def encode(self) -> bytes:
        return _ENCODER.encode(self)

    @classmethod
    def decode(cls, raw: bytes) -> Self:
        decoder: msgspec.json.Decoder[Self] | None = _DECODERS.get(cls)
        if decoder is None:
            decoder = _DECODERS[cls] = msgspec.json.Decoder(cls)
        return decoder.decode(raw)
