"""What the surge's applicants send, shared by bench/locustfile.py (over HTTP) and
bench/surge_pages.py (in process). Plain Python: locust must not set Django up."""

from __future__ import annotations


def small_pdf(padding: int = 20_000) -> bytes:
    """A parseable one-page PDF of about 20 KB (uploads are checked: core.content_checks)."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]/Contents 4 0 R>>",
        b"<</Length %d>>stream\n" % padding + b" " * padding + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def institution_post(pk: int) -> dict[str, str]:
    """The institution step as an applicant saves it ("save and next")."""
    return {
        "name": f"广州冲刺测试{pk}职业培训有限公司",
        "category": "leading_enterprise",
        "other_kind": "",
        "level": "municipal",
        "city": "440100",
        "county": "440106",
        "address": "广州市天河区冲刺路1号",
        "recommending_authority": "",
        "route": "",
        "next": "1",
    }
