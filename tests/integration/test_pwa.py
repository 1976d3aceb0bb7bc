"""The installable staff app's manifest, service worker and offline page."""

import shutil


def test_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] and manifest["start_url"] == "/inbox"
    assert manifest["display"] == "standalone" and manifest["theme_color"].startswith("#")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:  # static files are streamed: close them
            assert image.status_code == 200 and image.mimetype == "image/png"


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    body = response.get_data(True)
    assert "/offline" in body and "/static/vendor/htmx-2.0.11.min.js" in body
    assert 'addEventListener("fetch"' in body


def test_a_changed_shell_file_changes_the_service_worker(app, client, tmp_path, monkeypatch):
    """Installed apps run the files their service worker cached until sw.js itself changes."""
    before = client.get("/sw.js").get_data(True)
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    monkeypatch.setattr(app, "static_folder", str(static))
    assert client.get("/sw.js").get_data(True) == before  # same files: same worker everywhere
    script = static / "staff.js"
    script.write_text(script.read_text() + "\n// the next release\n")
    after = client.get("/sw.js").get_data(True)
    assert after != before
    russian = client.get("/sw.js", headers={"Accept-Language": "ru"}).get_data(True)
    assert russian != after  # it keeps the offline page in the page's language


def test_offline_page(client):
    assert "No connection" in client.get("/offline").get_data(True)


def test_staff_pages_link_the_manifest(client):
    html = client.get("/login").get_data(True)
    assert 'rel="manifest"' in html and 'data-sw="/sw.js"' in html
