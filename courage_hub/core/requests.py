"""The request class: form fields and query parameters without control characters.

Browsers never send NUL or other C0 control characters in form fields, but a hostile client can, and PostgreSQL
refuses NUL in text columns (the request would end in a 500). Removing them here, once for every form and filter,
is simpler and safer than a rule per field. Tab, line feed and carriage return stay (text areas need them); invalid
UTF-8 is already replaced by U+FFFD when Werkzeug decodes the body.
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str) -> str:
    return CONTROL_CHARS.sub("", value)


def _cleaned(data: MultiDict, storage_class: type) -> MultiDict:
    return storage_class([(clean(key), clean(value)) for key, value in data.items(multi=True)])


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form:
            self.__dict__["form"] = _cleaned(form, self.parameter_storage_class)

    @cached_property
    def args(self) -> MultiDict:  # type: ignore[override]
        return _cleaned(super().args, self.parameter_storage_class)
