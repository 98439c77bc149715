"""Encoding detection (BOM, strict UTF-8, GB18030) and RFC 4180 record splitting."""

from __future__ import annotations

import codecs

import pytest

from orchestration.lib.csv_records import split_records
from orchestration.lib.encoding import UndecodableError, decode_bytes

CHINESE = "employee_id,full_name\n000001,张三丰\n000002,李四\n"


def test_gb18030_without_bom_is_detected_and_decoded() -> None:
    data = CHINESE.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    decoded = decode_bytes(data, "hr/2026-03-14/employees.csv")
    assert decoded.encoding == "gb18030"
    assert decoded.text == CHINESE


def test_utf8_with_bom_strips_the_bom() -> None:
    decoded = decode_bytes(codecs.BOM_UTF8 + CHINESE.encode("utf-8"))
    assert decoded.encoding == "utf-8-sig"
    assert decoded.text == CHINESE
    assert split_records(decoded.text).header == ["employee_id", "full_name"]


def test_plain_utf8_is_never_read_as_gb18030() -> None:
    text = "id,comment\n1,你好\n"
    data = text.encode("utf-8")
    assert data.decode("gb18030") != text  # GB18030 first would silently mis-decode it
    decoded = decode_bytes(data)
    assert decoded.encoding == "utf-8"
    assert decoded.text == text


def test_undecodable_bytes_name_file_and_offset() -> None:
    data = b"a,b\n1,\xff\xfe\n"
    with pytest.raises(UndecodableError) as err:
        decode_bytes(data, "crm/2026-03-14/tickets.csv")
    message = str(err.value)
    assert "crm/2026-03-14/tickets.csv" in message
    assert "byte 6" in message
    assert "GB18030" in message


def test_records_keep_physical_line_numbers_across_quoted_newlines() -> None:
    text = 'a,b,c\r\n1,"two\r\nlines, and ""quotes""",3\r\n\r\n4,5,6\r\n7,"bad"x,9\r\n10,11,12'
    records = split_records(text)
    assert records.header == ["a", "b", "c"]
    assert records.rows == [
        ["1", 'two\r\nlines, and "quotes"', "3"],
        ["4", "5", "6"],
        ["10", "11", "12"],
    ]
    assert records.row_lines == [2, 5, 7]
    assert records.row_last_lines == [3, 5, 7]
    assert [(m.first_line, m.last_line) for m in records.malformed] == [(6, 6)]
    assert records.data_rows == 4  # blank line 4 is not a record
    assert records.raw_text(2, 3) == '1,"two\r\nlines, and ""quotes""",3'


def test_unterminated_quote_swallows_the_rest_as_one_malformed_record() -> None:
    records = split_records('a,b\n1,"open\n2,3\n4,5\n')
    assert records.rows == []
    assert [(m.first_line, m.last_line) for m in records.malformed] == [(2, 4)]
    assert records.data_rows == 1
