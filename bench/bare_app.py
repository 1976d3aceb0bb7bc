"""The bare baseline for bench/submit_bench.py: Flask and nothing else, no database.

Served exactly like Wave
(`gunicorn --chdir /work/main -k gevent -w 1 -b 127.0.0.1:PORT 'bench.bare_app:create_app()'`),
so that the ratio Wave / bare measures what Wave adds on top of the server and the framework.

GET  /q/<code>  a small form with the same field names as Wave's tenant form; sets a cookie
                whose value is echoed in the csrf_token field.
POST /q/<code>  parses the same multipart form, checks the token matches the cookie and the
                required fields are there, answers 303 to /t/<token> (400 or 422 otherwise).
"""

import secrets

from flask import Flask, redirect, request

CATEGORIES = [(7, "Trash removal"), (8, "Wet cleaning"), (9, "Spill"), (10, "Bulb replacement")]

FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Report a problem</title></head>
<body><h1>{code}</h1>
<form method="post" enctype="multipart/form-data">
<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">
<input id="submission_key" name="submission_key" type="hidden" value="{key}">
<select id="category" name="category" required><option value="0">Choose…</option>{options}</select>
<textarea id="description" name="description"></textarea>
<input id="photo" name="photo" type="file">
<input id="name" name="name"><input id="phone" name="phone"><input id="email" name="email">
<button type="submit">Send</button>
</form></body></html>
"""


def create_app() -> Flask:
    app = Flask(__name__)
    options = "".join(f'<option value="{i}">{name}</option>' for i, name in CATEGORIES)
    valid = {str(i) for i, _ in CATEGORIES}

    @app.get("/q/<code>")
    def report_form(code):
        token = request.cookies.get("bare") or secrets.token_hex(20)
        page = FORM.format(code=code, token=token, key=secrets.token_hex(16), options=options)
        response = app.make_response(page)
        response.set_cookie("bare", token, httponly=True, samesite="Lax")
        return response

    @app.post("/q/<code>")
    def submit(code):
        form = request.form
        token = form.get("csrf_token", "")
        if not token or token != request.cookies.get("bare"):
            return "bad token", 400
        if form.get("category") not in valid or not form.get("description", "").strip():
            return "check the form", 422
        return redirect(f"/t/{secrets.token_urlsafe(24)}?submitted=1", 303)

    return app
