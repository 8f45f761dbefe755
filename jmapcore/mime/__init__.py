"""RFC 5322/MIME <-> JMAP Email (RFC 8621), as pure functions without Django or the ORM.

parse: bytes -> ParsedMessage (headers in every RFC 8621 form, bodyStructure,
textBody/htmlBody/attachments, preview, body values, part contents).
build: a JMAP Email create object -> message bytes.
"""
