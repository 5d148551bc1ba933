"""Null characters are refused at the door, wherever they are: the path, a query parameter, and in the API any
string or key of a JSON body, a form field or an uploaded file's name.

PostgreSQL cannot store or compare U+0000 in text, so one reaching a query fails the whole request. This is the one
place that refuses it before any view runs: the API answers 422 naming the field, a page answers 400 saying what to
do. (The pages' forms refuse it in what is posted, with the field's own error message.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from bordercase.api.errors import error_response, unreadable_body

NUL = "\x00"
API_PREFIX = "/api/"
RULE = "Null characters (U+0000) are not allowed: remove them and send it again."


def null_fields(value: Any, at: str = "") -> Iterator[str]:
    """The dotted name of every string or key in a JSON value that holds a null character."""
    if isinstance(value, str):
        if NUL in value:
            yield at or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{at}.{key}" if at else str(key)
            if NUL in str(key):
                yield here.replace(NUL, "\\u0000")
            else:
                yield from null_fields(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from null_fields(item, f"{at}.{index}" if at else str(index))


def _address_null_fields(request: HttpRequest) -> list[str]:
    found = ["path"] if NUL in request.path else []
    # A query parameter is named as the API's other errors name it: by itself, as the route's fields are.
    return found + [key for key, values in request.GET.lists() if NUL in key or any(NUL in v for v in values)]


def _request_null_fields(request: HttpRequest) -> list[str]:
    found = _address_null_fields(request)
    content_type = request.content_type or ""
    if content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return found  # not JSON: the route answers 400 in the one shape
        found += list(null_fields(body))
    elif content_type == "multipart/form-data":
        found += [key for key, values in request.POST.lists() if NUL in key or any(NUL in v for v in values)]
        found += [f"{key}.filename" for key, files in request.FILES.lists() if any(NUL in f.name for f in files)]
    return [field.replace(NUL, "\\u0000") for field in found]


class RefuseNullCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            try:
                fields = _request_null_fields(request)
            except (RequestDataTooBig, MultiPartParserError) as exc:
                return unreadable_body(exc)
            if fields:
                return error_response(422, "Some of what was sent holds null characters: see fields.",
                                      dict.fromkeys(fields, RULE))
        elif _address_null_fields(request):
            return render(request, "400.html", {"problem": "The web address holds a null character (U+0000), "
                                                           "which no page of this service uses."}, status=400)
        return self.get_response(request)
