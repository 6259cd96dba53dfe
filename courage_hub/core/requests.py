"""Reading requests safely: form fields and query parameters without control characters, bounded numbers and dates.

Browsers never send NUL or other C0 control characters in form fields, but a hostile client can, and PostgreSQL
refuses NUL in text columns (the request would end in a 500). Removing them here, once for every form and filter,
is simpler and safer than a rule per field. Tab, line feed and carriage return stay (text areas need them); invalid
UTF-8 is already replaced by U+FFFD when Werkzeug decodes the body. A form part without a name (which no browser
sends) is refused with a 400.

Numbers and dates from URLs end up in SQL: a number beyond what a 64-bit column holds makes the database driver fail,
a date at the edge of the calendar overflows when it is shifted into UTC. Every id column is an INTEGER, which
PostgreSQL keeps in 32 bits (SQLite in 64): the ``int`` URL converter therefore stops at 2^31 - 1 (a larger id simply
matches no route: 404), and query parameters are read through :func:`id_arg` and :func:`date_arg`, which answer None
for anything out of range.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_ID = 2**31 - 1  # the largest INTEGER in PostgreSQL: no row id can be larger
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def clean(value: str) -> str:
    return CONTROL_CHARS.sub("", value)


def _cleaned(data: MultiDict, storage_class: type) -> MultiDict:
    return storage_class([(clean(key), clean(value)) for key, value in data.items(multi=True)])


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form, files = self.__dict__.get("form"), self.__dict__.get("files")
        if any(not key for data in (form, files) if data for key in data):
            # Keep empty containers, so that error handlers reading the form do not parse (and fail) again.
            self.__dict__["form"] = self.parameter_storage_class()
            self.__dict__["files"] = self.parameter_storage_class()
            raise BadRequest("form part without a name")
        if form:
            self.__dict__["form"] = _cleaned(form, self.parameter_storage_class)

    @cached_property
    def args(self) -> MultiDict:  # type: ignore[override]
        return _cleaned(super().args, self.parameter_storage_class)

    @cached_property
    def raw_args(self) -> MultiDict:
        """The query parameters as sent, control characters kept: for the open data API, which refuses a value
        with control characters (400) where a page quietly cleans it."""
        return self.parameter_storage_class(
            parse_qsl(self.query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        )


class IdConverter(IntegerConverter):
    """``<int:…>`` in URL rules: a whole number from 0 to 2^31 - 1; anything larger matches no route (404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def id_arg(value: str | None) -> int | None:
    """A row id from a query parameter or form value: ASCII digits from 1 to 2^31 - 1, else None."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def date_arg(value: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) from a query parameter between 1900 and 2999, else None."""
    try:
        parsed = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return parsed if EARLIEST_DATE <= parsed <= LATEST_DATE else None
