"""The nginx example's error pages (issue 23 item 8): every ``error_page`` in docs/deployment.md
names a page shipped in deploy/proxy-errors/, in Chinese, without inline script or style."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ERROR_PAGE = re.compile(r"^\s*error_page\s+([\d ]+?)\s+/errors/([\w.-]+);", re.M)


def _pages() -> dict[str, str]:
    doc = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    return {page: codes for codes, page in ERROR_PAGE.findall(doc)}


def test_the_proxy_answers_unavailable_and_too_large_in_chinese() -> None:
    pages = _pages()
    assert pages == {"unavailable.html": "502 503 504", "too-large.html": "413"}
    for page in pages:
        html = (ROOT / "deploy" / "proxy-errors" / page).read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in html
        assert re.search(r"<h1>[\u4e00-\u9fff]+</h1>", html), page
        assert "<script" not in html and "style=" not in html and "<style" not in html
