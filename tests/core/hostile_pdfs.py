"""Crafted PDFs for the hostile-upload suite (issue 21 item 7): each built in memory, with a
valid header, cross-reference table and trailer unless the point is to break them."""

from __future__ import annotations


def build_pdf(bodies: list[bytes], *, xref: bool = True, startxref: int | None = None) -> bytes:
    """Objects 1..n from ``bodies`` (1 must be the catalog), a classic xref table, trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(bodies) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % (table if startxref is None else startxref)
    return bytes(out)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R /Extra 3 0 R >>"
PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"


def wide_array(elements: int = 120_000) -> bytes:
    """One array of ``elements`` numbers (the probe's 235 KiB file: pypdf LimitReachedError)."""
    return build_pdf([CATALOG, PAGES, b"[" + b"0 " * elements + b"]"])


def deep_array(depth: int = 50_000) -> bytes:
    """Arrays nested ``depth`` deep (recursion in any recursive parser)."""
    return build_pdf([CATALOG, PAGES, b"[" * depth + b"]" * depth])


def object_flood(count: int = 150_000) -> bytes:
    """``count`` small objects, each pointing at the next (the probe's 9.4 MiB file)."""
    chain = [b"<< /Next %d 0 R >>" % (n + 1) for n in range(3, count + 2)]
    return build_pdf([CATALOG, PAGES, *chain, b"<< >>"])


def broken_xref() -> bytes:
    """A table whose offsets point into the middle of objects, and a wrong startxref."""
    good = build_pdf([CATALOG, PAGES, b"<< /A 1 >>"])
    return good.replace(b" 00000 n ", b"7 00000 n ", 2).replace(b"startxref\n", b"startxref\n9")


def no_xref() -> bytes:
    """No table at all and startxref past the end."""
    return build_pdf([CATALOG, PAGES, b"<< /A 1 >>"], xref=False, startxref=10_000_000)


def huge_dictionary(entries: int = 120_000) -> bytes:
    body = b"<< " + b"".join(b"/K%d %d " % (n, n) for n in range(entries)) + b">>"
    return build_pdf([CATALOG, PAGES, body])


def lying_stream_length() -> bytes:
    return build_pdf([CATALOG, PAGES, b"<< /Length 99999999999 >>\nstream\nabc\nendstream"])
