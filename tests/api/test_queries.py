"""Pure helpers of api.queries, without an app or a store."""

from __future__ import annotations

import pyarrow as pa
import pytest

from api.queries import _values_bytes

TEXTS = ['{"a":1},', '{"b":"é ☃"},', "", '{"c":null},', '{"d":"\\"x\\""},']


@pytest.mark.parametrize("type_", [pa.string(), pa.large_string(), pa.string_view()])
def test_values_bytes_are_the_values_back_to_back(type_: pa.DataType) -> None:
    array = pa.array(TEXTS, type=type_)
    assert bytes(_values_bytes(array)) == "".join(TEXTS).encode()
    # A slice starts and ends inside the buffer; its bytes are its own values only.
    assert bytes(_values_bytes(array.slice(1, 3))) == "".join(TEXTS[1:4]).encode()
    assert bytes(_values_bytes(array.slice(2, 0))) == b""
