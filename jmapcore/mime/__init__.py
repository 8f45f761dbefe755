"""RFC 5322/MIME <-> JMAP Email (RFC 8621), as pure functions without Django or the ORM.

parse: message bytes -> ParsedMessage (headers in every RFC 8621 form,
bodyStructure, textBody/htmlBody/attachments, preview), body values, part
contents and search text. build: a JMAP Email create object -> message bytes.
"""

from .build import BlobNotFound, BuildError, build_message
from .headers import HeaderProperty, form_allowed, parse_header_property
from .parse import (
    ParsedMessage,
    body_value,
    body_values,
    header_value,
    html_to_text,
    parse_message,
    part_content,
    search_text,
)

__all__ = [
    "BlobNotFound",
    "BuildError",
    "HeaderProperty",
    "ParsedMessage",
    "body_value",
    "body_values",
    "build_message",
    "form_allowed",
    "header_value",
    "html_to_text",
    "parse_header_property",
    "parse_message",
    "part_content",
    "search_text",
]
