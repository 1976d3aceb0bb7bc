"""Phone-size screenshots of Wave for the docs: a tenant form and a staff inbox.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts `python -m wave demo` on a throw-away SQLite database and upload folder, photographs
the pages with Debian's Chromium (/usr/bin/chromium) through Playwright, and stops the server.
"""

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
STAFF_USER = "dispatcher"
STAFF_PASSWORD = "wave-demo"  # the demo's password (WAVE_DEMO_PASSWORD's default)
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(workdir: Path) -> tuple[subprocess.Popen, str, list[str], Path]:
    """`python -m wave demo` in a subprocess; returns (process, base URL, tag codes, log)."""
    port = free_port()
    env = {
        **os.environ,
        "WAVE_DATABASE_URL": f"sqlite:///{workdir / 'wave.db'}",
        "WAVE_UPLOAD_FOLDER": str(workdir / "uploads"),
        "WAVE_SECRET_KEY": secrets.token_hex(32),
        "WAVE_HOST": "127.0.0.1",
        "WAVE_PORT": str(port),
    }
    for name in ("WAVE_REDIS_URL", "WAVE_PUBLIC_URL", "WAVE_DEMO_PASSWORD"):
        env.pop(name, None)
    log = workdir / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "wave", "demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the demo server stopped:\n" + log.read_text())
        if " * Wave on " in log.read_text() and _accepts(port):
            codes = re.findall(r"/q/([0-9A-Z]+)", log.read_text())
            if not codes:
                stop(process)
                raise SystemExit("the demo printed no tenant form:\n" + log.read_text())
            return process, base, codes, log
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"the demo server did not start in {START_TIMEOUT} s:\n" + log.read_text())


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def take_screenshots(base: str, code: str, out: Path) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    tenant_png, inbox_png = out / "tenant-form.png", out / "staff-inbox.png"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            tenant = browser.new_context(**PHONE).new_page()
            tenant.goto(f"{base}/q/{code}")
            expect(tenant.locator("select[name=category]")).to_be_visible()
            tenant.screenshot(path=str(tenant_png))

            staff = browser.new_context(**PHONE).new_page()
            staff.goto(f"{base}/login")
            staff.fill("input[name=username]", STAFF_USER)
            staff.fill("input[name=password]", STAFF_PASSWORD)
            staff.get_by_role("button", name="Sign in").click()
            staff.wait_for_url(re.compile(r"/inbox"))
            staff.goto(f"{base}/inbox?tab=open")
            expect(staff.locator("#inbox-list a.row").first).to_be_visible()
            expect(staff.locator("body")).to_have_attribute(
                "data-socket", "connected", timeout=10_000
            )
            staff.screenshot(path=str(inbox_png))
        finally:
            browser.close()
    return [tenant_png, inbox_png]


def label_sheet(workdir: Path, out: Path) -> Path:
    """The top of an A4 3×8 sheet of the demo's labels, from `python -m wave labels`."""
    import pypdfium2 as pdfium

    pdf = workdir / "labels.pdf"
    env = {**os.environ, "WAVE_DATABASE_URL": f"sqlite:///{workdir / 'wave.db'}"}
    env["WAVE_PUBLIC_URL"] = "https://wave.example.com"
    subprocess.run(
        [sys.executable, "-m", "wave", "labels", "--out", str(pdf), "--template", "a4-3x8"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    document = pdfium.PdfDocument(str(pdf))
    image = document[0].render(scale=150 / 72).to_pil()
    document.close()
    width, height = image.size
    target = out / "label-sheet.png"
    image.crop((0, 0, width, height * 3 // 8)).save(target, optimize=True)  # three rows
    return target


def admin_site(base: str, out: Path) -> Path:
    """The registry page of the demo building: its floors, rooms and equipment."""
    from playwright.sync_api import sync_playwright

    target = out / "registry-site.png"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_context(**PHONE).new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", STAFF_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"/inbox"))
            page.goto(f"{base}/admin/places")
            page.locator("#sites a.card-link").first.click()
            page.wait_for_selector("#tree")
            page.screenshot(path=str(target))
        finally:
            browser.close()
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "screenshots",
        help="folder for the PNG files (default: docs/screenshots)",
    )
    args = parser.parse_args(argv)
    if not os.access(CHROMIUM, os.X_OK):
        print(f"{CHROMIUM} is missing: install Debian's chromium package.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="wave-screens-") as tmp:
        process, base, codes, _log = start_demo(Path(tmp))
        try:
            paths = take_screenshots(base, codes[0], args.out)
            paths.append(admin_site(base, args.out))
        finally:
            stop(process)
        paths.append(label_sheet(Path(tmp), args.out))
    for path in paths:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
