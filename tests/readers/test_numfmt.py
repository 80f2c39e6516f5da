"""Spreadsheet values as displayed (extractors.numfmt): expected texts are what Excel shows
for these values and format codes, written by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from extractors.numfmt import display, is_date_format

CASES = [
    (9528.085, "#,##0.00", "9,528.09"),          # shown rounded, as the sheet shows it
    (9528.09, "#,##0.00", "9,528.09"),
    (2065.36, "0.00", "2065.36"),
    (797, "#,##0.00", "797.00"),
    (797, '#,##0.00"万元"', "797.00万元"),
    (1234.5, "[$¥-804]#,##0.00", "¥1,234.50"),
    (-1234.5, "#,##0.00;[Red]-#,##0.00", "-1,234.50"),
    (-1234.5, "#,##0.00_);(#,##0.00)", "(1,234.50)"),
    (0, '0.00;-0.00;"-"', "-"),
    (1234567, "#,##0,", "1,235"),               # a trailing comma scales by a thousand
    (0.95, "0%", "95%"),
    (1, "0%", "100%"),
    (0.955, "0.0%", "95.5%"),
    (12, '0"人"', "12人"),
    (123456, "0.00E+00", "1.23E+05"),
    (1.5, "0.0#", "1.5"),
    (1.555, "0.0#", "1.56"),
    (0.3, "General", "0.3"),
    (0.1 + 0.2, "General", "0.3"),              # 15 significant digits, as Excel keeps
    (3.0, "General", "3"),
    (440304241230, "0", "440304241230"),        # a 12-digit code stored as a number
    (440304241230100000005, "General", "440304241230100000005"),  # never 4.40304E+20
    (4.403042412301e20, "General", "440304241230100000000"),      # what a double kept of it
    ("abc", "@", "abc"),
    ("x", '0;0;0;"<"@">"', "<x>"),
    (True, "General", "TRUE"),
    (dt.datetime(2026, 1, 1), 'yyyy"年"m"月"d"日"', "2026年1月1日"),
    (dt.datetime(2026, 1, 5), "yyyy-mm-dd", "2026-01-05"),
    (dt.datetime(2026, 3, 4, 14, 5, 6), "yyyy-mm-dd hh:mm:ss", "2026-03-04 14:05:06"),
    (dt.datetime(2026, 3, 4, 14, 5, 6), "h:mm AM/PM", "2:05 PM"),
    (dt.datetime(2026, 3, 4, 14, 5, 6), '上午/下午h"时"mm"分"', "下午2时05分"),
    (dt.datetime(2026, 12, 31), "yyyy/m/d", "2026/12/31"),
    (46023.0, "yyyy/m/d", "2026/1/1"),           # a serial number under a date format (.xls)
    (dt.datetime(2026, 3, 4), "General", "2026-03-04"),
]


@pytest.mark.parametrize("value,fmt,expected", CASES)
def test_value_as_displayed(value, fmt, expected):
    assert display(value, fmt) == expected


def test_date_formats_are_told_from_number_formats():
    assert is_date_format('yyyy"年"m"月"d"日"') and is_date_format("m/d/yy h:mm")
    assert not is_date_format("#,##0.00") and not is_date_format('0.00"元"') and not is_date_format("General")


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

_FORMAT_CHARS = st.sampled_from(list('0#?.,%E+-;@"\\_*[]$¥yYmMdDhHsS/: 年月日元AMP') + ["[Red]", "[$-804]", "General"])


@hsettings(max_examples=300, deadline=None)
@given(value=st.one_of(st.integers(-10**25, 10**25), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=5), st.datetimes(min_value=dt.datetime(1900, 3, 1))),
       fmt=st.lists(_FORMAT_CHARS, max_size=12).map("".join))
def test_any_format_code_gives_a_text_and_never_raises(value, fmt):
    assert isinstance(display(value, fmt), str)
