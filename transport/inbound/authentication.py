"""SPF (pyspf), DKIM (dkimpy) and DMARC (authheaders) verdicts, as one Authentication-Results header.

Every DNS query the three libraries make goes through :mod:`transport.dns`. When a
lookup cannot be made the verdict is ``temperror`` (RFC 7208 2.6.6, RFC 6376 6.1.2,
RFC 7489 6.6.3) and the message is delivered all the same.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging

import authheaders
import authheaders.dmarc_lookup
import dkim
import spf
from authheaders import dmarc_per_from
from authheaders.dmarc_lookup import DMARCException
from authres import (
    AuthenticationResultsHeader,
    DKIMAuthenticationResult,
    SPFAuthenticationResult,
)
from authres.dmarc import DMARCAuthenticationResult
from publicsuffix2 import PublicSuffixList

from transport import dns

from .message import Head

log = logging.getLogger(__name__)

SPF_TIME_LIMIT = 20  # seconds for all of one SPF evaluation (RFC 7208 4.6.4 suggests 20)


def _spf_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 20) -> list:
    """pyspf's DNSLookup interface: ``[((name, type), data), ...]``."""
    if qtype not in ("A", "AAAA", "MX", "TXT", "PTR", "CNAME"):
        return []
    try:
        answers = dns.lookup(name, qtype)
    except dns.DnsTempError as error:
        raise spf.TempError(f"DNS {error}") from error
    if qtype == "MX":
        data = [(int(pref), host) for pref, _, host in (a.partition(" ") for a in answers)]
    elif qtype == "TXT":
        data = [(answer.encode(),) for answer in answers]
    else:
        data = answers
    return [((name, qtype), value) for value in data]


# pyspf looks its DNS function up in its module on every query.
spf.DNSLookup = _spf_lookup


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    with (
        importlib.resources.as_file(
            importlib.resources.files("authheaders") / "public_suffix_list.txt"
        ) as path,
        open(path, encoding="utf-8") as handle,
    ):
        return PublicSuffixList(handle)


@functools.lru_cache(maxsize=4096)
def get_org_domain(domain: str) -> str:
    """RFC 7489 3.2 organizational domain, from the Public Suffix List authheaders ships."""
    return _public_suffixes().get_public_suffix(domain)


# authheaders reads and parses its Public Suffix List file on every call (50 ms, several
# calls per message); it is given this cached lookup over the same list instead.
authheaders.get_org_domain = get_org_domain
authheaders.dmarc_lookup.get_org_domain = get_org_domain


def _dkim_txt(name: bytes | str, timeout: float = 5) -> bytes | None:
    text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    records = dns.txt_records(text)
    keys = [record for record in records if "p=" in record] or records
    return keys[0].encode() if keys else None


def _dmarc_txt(name: str) -> str | None:
    """authheaders' dnsfunc: the one DMARC record at ``name`` (several count as none, RFC 7489 6.6.3)."""
    records = [record for record in dns.txt_records(name) if record.startswith("v=DMARC1")]
    return records[0] if len(records) == 1 else None


def check_spf(ip: str, mail_from: str, helo: str) -> SPFAuthenticationResult:
    """RFC 7208 on MAIL FROM (on HELO for a null sender); RFC 8601 2.7.2 names only its domain."""
    result, explanation = spf.check2(ip, mail_from, helo, querytime=SPF_TIME_LIMIT)
    domain = mail_from.rpartition("@")[2].lower() if mail_from else None
    return SPFAuthenticationResult(
        result=result, reason=explanation or None, smtp_mailfrom=domain, smtp_helo=helo
    )


def check_dkim(raw: bytes, signatures: int) -> list[DKIMAuthenticationResult]:
    """One verdict per DKIM-Signature (``signatures`` of them), topmost first; ``none`` when unsigned."""
    if not signatures:
        return [DKIMAuthenticationResult(result="none")]
    results = []
    for index in range(signatures):
        verifier = dkim.DKIM(raw)
        try:
            verdict = "pass" if verifier.verify(idx=index, dnsfunc=_dkim_txt) else "fail"
        except dns.DnsTempError:
            verdict = "temperror"
        except dkim.DKIMException as error:
            # RFC 8601 2.7.1: a body that no longer matches its hash failed verification;
            # anything else (bad tags, no usable key) means the signature could not be checked.
            verdict = "fail" if str(error).startswith("body hash mismatch") else "permerror"
            log.info("DKIM signature %d: %s (%s)", index, verdict, error)
        fields = verifier.signature_fields or {}
        results.append(
            DKIMAuthenticationResult(
                result=verdict,
                header_d=fields.get(b"d", b"").decode("ascii", "replace") or None,
                header_i=fields.get(b"i", b"").decode("ascii", "replace") or None,
            )
        )
    return results


def _aligned_dkim(
    results: list[DKIMAuthenticationResult], from_domain: str
) -> DKIMAuthenticationResult | None:
    passing = [result for result in results if result.result == "pass" and result.header_d]
    org = get_org_domain(from_domain)
    aligned = [result for result in passing if get_org_domain(result.header_d.lower()) == org]
    return (aligned or passing or [None])[0]


def _for_alignment(spf_result: SPFAuthenticationResult | None) -> SPFAuthenticationResult | None:
    """A separate result for authheaders, which rewrites ``smtp_mailfrom`` of what it is given."""
    if spf_result is None or not spf_result.smtp_mailfrom:
        return None
    return SPFAuthenticationResult(result=spf_result.result, smtp_mailfrom=f"@{spf_result.smtp_mailfrom}")


def check_dmarc(
    from_domain: str | None,
    spf_result: SPFAuthenticationResult | None,
    dkim_results: list[DKIMAuthenticationResult],
) -> DMARCAuthenticationResult:
    if not from_domain:
        return DMARCAuthenticationResult(result="permerror", result_comment="no From domain")
    try:
        verdict, _comment, _domain, policy = dmarc_per_from(
            from_domain,
            spf_result=_for_alignment(spf_result),
            dkim_result=_aligned_dkim(dkim_results, from_domain),
            dnsfunc=_dmarc_txt,
        )
    except dns.DnsTempError:
        return DMARCAuthenticationResult(result="temperror", header_from=from_domain)
    except DMARCException:
        return DMARCAuthenticationResult(result="permerror", header_from=from_domain)
    if verdict == "none":
        return DMARCAuthenticationResult(result="none", header_from=from_domain)
    return DMARCAuthenticationResult(result=verdict, header_from=from_domain, policy=policy or None)


def authentication_results(
    raw: bytes, head: Head, *, authserv_id: str, ip: str | None, helo: str, mail_from: str
) -> str:
    """The header field value (after ``Authentication-Results:``), RFC 8601.

    SPF is evaluated only when the client's address is known to be the sender's
    (SMTP, not LMTP behind another MTA: there ``ip`` is None).
    """
    spf_result = check_spf(ip, mail_from, helo) if ip else None
    dkim_results = check_dkim(raw, len(head.values("DKIM-Signature")))
    dmarc_result = check_dmarc(head.from_domain(), spf_result, dkim_results)
    results = [result for result in (spf_result, *dkim_results, dmarc_result) if result is not None]
    header = str(AuthenticationResultsHeader(authserv_id=authserv_id, results=results))
    return header.split(":", 1)[1].strip()
