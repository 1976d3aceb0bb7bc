from wave.qr.codes import ALPHABET, CODE_LENGTH, new_code, normalize


def test_codes_are_short_and_use_no_look_alikes():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert not set("ILOU") & set(ALPHABET)


def test_typed_codes_are_normalized():
    assert normalize("ab1o-il0 ") == "AB10110"
