from wave.qr.codes import ALPHABET, CODE_LENGTH, new_code, normalize


def test_codes_are_short_and_use_no_look_alikes():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert not set("ILOU") & set(ALPHABET)


def test_typed_codes_are_normalized():
    assert normalize("ab1o-il0 ") == "AB10110"


def test_tag_url_prefers_the_configured_public_url_then_the_request_then_the_server():
    from wave import create_app
    from wave.qr.codes import tag_url

    app = create_app({"SECRET_KEY": "x", "WAVE_HOST": "127.0.0.1", "WAVE_PORT": 5123})
    with app.app_context():
        assert tag_url("K7M2QX9D") == "http://127.0.0.1:5123/q/K7M2QX9D"  # the command line
    with app.test_request_context(base_url="https://desk.example.org"):
        assert tag_url("K7M2QX9D") == "https://desk.example.org/q/K7M2QX9D"
    app.config["WAVE_PUBLIC_URL"] = "https://wave.example.com/"
    with app.test_request_context(base_url="https://desk.example.org"):
        assert tag_url("K7M2QX9D") == "https://wave.example.com/q/K7M2QX9D"
