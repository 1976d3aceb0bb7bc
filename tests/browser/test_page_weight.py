"""The tenant form behind a QR code is tiny: it opens fast on a weak phone signal in a basement."""

import gzip
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

BUDGET_BYTES = 50 * 1024


@pytest.mark.browser
def test_tenant_form_is_under_50_kb_gzipped_and_loads_no_socket_io(live_server, world, phone):
    page = phone().new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(live_server + "/q/RM000001", wait_until="load")
    expect(page.locator("select[name=category]")).to_be_visible()
    page.wait_for_load_state("networkidle")  # late fetches such as the favicon count too

    rows, total = [], 0
    for response in responses:
        body = response.body() if response.status < 300 or response.status >= 400 else b""
        size = len(gzip.compress(body, 6))
        total += size
        rows.append(
            (
                size,
                len(body),
                response.request.resource_type,
                response.status,
                urlsplit(response.url).path,
            )
        )
    print(f"\n{'gzip':>7} {'raw':>7}  type        status  path")
    for size, raw, kind, status, path in sorted(rows, reverse=True):
        print(f"{size:7d} {raw:7d}  {kind:<11} {status:>6}  {path}")
    print(f"{total:7d} bytes gzipped in total (budget {BUDGET_BYTES})")

    paths = [path for *_, path in rows]
    assert paths[0] == "/q/RM000001"
    assert not [p for p in paths if "socket.io" in p], "the tenant form loads Socket.IO"
    scripts = [path for _, _, kind, _, path in rows if kind == "script"]
    assert all("/vendor/htmx-" in p for p in scripts), f"unexpected scripts: {scripts}"
    assert page.evaluate("typeof io") == "undefined"
    assert total <= BUDGET_BYTES, f"{total} bytes gzipped, over the {BUDGET_BYTES} budget"
