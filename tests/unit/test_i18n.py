"""Translations: every piece of UI text in the source has a Russian translation, placeholders
survive translation, and the language people see follows their setting, then their browser.

The app tests compile the .po files themselves into a temporary directory, so they test the
catalog in the checkout whether or not `make translations` has run.
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import gettext, pgettext
from markupsafe import escape
from sqlalchemy import select

from tests.conftest import token
from wave.auth.models import User
from wave.extensions import babel, db

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "wave" / "translations"
RU_PO = TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po"
SCRIPT = ROOT / "scripts" / "update_translations.sh"
# Flask-Babel's lazy variants, on top of babel's defaults (_, gettext, ngettext, pgettext, ...).
# scripts/update_translations.sh extracts with the same keywords (checked below).
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2")
FIX = "run scripts/update_translations.sh, then translate in wave/translations/ru/LC_MESSAGES/"

# A %-format directive: %%, %s, %(name)s, %-5.2f ...
_DIRECTIVE = re.compile(
    r"%(?:%|(?:\(\w+\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa])"
)


def _read(path: Path):
    with open(path, "rb") as f:
        return read_po(f)


def _key(message):
    """msgctxt + msgid (the singular for plural messages): what identifies a message."""
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return (message.context, msgid)


def _show(key):
    context, msgid = key
    return f"{context}|{msgid}" if context else msgid


def _forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _directives(text: str) -> Counter:
    return Counter(_DIRECTIVE.findall(text))


@pytest.fixture(scope="module")
def ru():
    return _read(RU_PO)


@pytest.fixture(scope="module")
def ru_text(ru):
    """msgid → Russian text, for the app tests."""
    return {m.id: m.string for m in ru if m.id and not isinstance(m.id, tuple)}


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """A fresh extraction of the source (babel.cfg), exactly as the update script does it."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    keywords = [arg for kw in KEYWORDS for arg in ("-k", kw)]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            *keywords,
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    messages = [m for m in _read(pot) if m.id]
    assert len(messages) > 100, "the extraction found almost nothing: is babel.cfg right?"
    return messages


def test_the_update_script_extracts_with_the_same_keywords():
    script = SCRIPT.read_text()
    assert set(re.findall(r"-k\s+(\S+?)[\s)]", script)) == set(KEYWORDS)


def test_every_message_in_the_source_has_a_russian_translation(ru, source_messages):
    catalog = {_key(m): m for m in ru if m.id}
    missing = sorted({_show(_key(m)) for m in source_messages if _key(m) not in catalog})
    assert not missing, f"not in ru/messages.po ({FIX}):\n" + "\n".join(missing)

    problems = []
    for m in source_messages:
        entry = catalog[_key(m)]
        if entry.fuzzy:
            problems.append(f"fuzzy: {_show(_key(m))}")
        if isinstance(m.id, tuple) != isinstance(entry.id, tuple):
            problems.append(f"plural in one, singular in the other: {_show(_key(m))}")
        forms = _forms(entry.string)
        if isinstance(entry.id, tuple) and len(forms) != ru.num_plurals:
            problems.append(f"needs {ru.num_plurals} plural forms: {_show(_key(m))}")
        if not all(form.strip() for form in forms):
            problems.append(f"untranslated: {_show(_key(m))}")
    assert not problems, f"{FIX}:\n" + "\n".join(problems)


def test_translations_keep_every_placeholder(ru):
    problems = []
    for m in ru:
        if not m.id or not m.string:
            continue
        # Jinja's newstyle gettext %-formats every string, so even a message without
        # placeholders must not gain a stray % in translation.
        expected = Counter()
        for msgid in _forms(m.id):
            expected |= _directives(msgid)
        for form in _forms(m.string):
            if _directives(form) != expected:
                problems.append(f"{_show(_key(m))!r} → {form!r}")
            elif "%" in _DIRECTIVE.sub("", form):
                problems.append(f"stray % in {form!r}")
    assert not problems, "placeholders differ from the msgid:\n" + "\n".join(problems)
    # Babel's own checks (python-format consistency, number of plural forms).
    errors = [f"{m.id!r}: {'; '.join(map(str, errs))}" for m, errs in ru.check() if errs]
    assert not errors, "\n".join(errors)


# ------------------------------------------------------------------ what people see
@pytest.fixture(scope="module")
def compiled_translations(tmp_path_factory):
    """Every wave/translations/<lang>/LC_MESSAGES/messages.po compiled into a temporary
    directory, as `pybabel compile` does (fuzzy entries left out)."""
    out = tmp_path_factory.mktemp("translations")
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        target = out / po.relative_to(TRANSLATIONS).with_suffix(".mo")
        target.parent.mkdir(parents=True)
        with open(target, "wb") as f:
            write_mo(f, _read(po))
    return out


@pytest.fixture
def config_overrides(compiled_translations):
    """The app reads the freshly compiled catalogs.

    Flask-Babel caches loaded catalogs per locale on the Babel object that every app shares,
    so the cache is emptied before (no catalog loaded by another test) and after (nothing of
    ours leaks into the next test).
    """
    _forget_loaded_catalogs()
    yield {"BABEL_TRANSLATION_DIRECTORIES": str(compiled_translations)}
    _forget_loaded_catalogs()


def _forget_loaded_catalogs():
    domain = vars(babel).get("domain_instance")  # a cached_property, made on first use
    if domain is not None:
        domain.cache.clear()


def _page(client, path, language):
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _shows(html, text) -> bool:
    return str(escape(text)) in html


def test_the_tenant_form_follows_the_browser_language(client, world, ru_text):
    russian = _page(client, "/q/RM000001", "ru-RU,ru;q=0.9,en;q=0.5")
    assert 'lang="ru"' in russian
    assert _shows(russian, ru_text["What is wrong?"])
    assert _shows(russian, ru_text["Send"])
    assert "What is wrong?" not in russian

    english = _page(client, "/q/RM000001", "en-GB,en;q=0.9")
    assert 'lang="en"' in english
    assert "What is wrong?" in english
    assert not _shows(english, ru_text["What is wrong?"])


def test_a_language_the_app_lacks_falls_back_to_english(client, world):
    assert "What is wrong?" in _page(client, "/q/RM000001", "de-DE,de;q=0.9")


def test_the_users_language_wins_over_the_browser(signed_in, world, ru_text):
    world.olga.locale = "ru"
    db.session.commit()
    html = _page(signed_in(world.olga), "/inbox", "en-US,en;q=0.9")
    assert 'lang="ru"' in html
    assert _shows(html, ru_text["Inbox"])
    assert _shows(html, ru_text["Mine"])
    assert ">Mine<" not in html

    # Someone without a setting gets the browser's language.
    assert ">Mine<" in _page(signed_in(world.sam), "/inbox", "en-US,en;q=0.9")


def test_settings_change_the_language(signed_in, world, ru_text):
    client = signed_in(world.olga)
    settings = _page(client, "/settings", "en")
    assert 'name="locale"' in settings
    assert ">Mine<" in _page(client, "/inbox", "en")

    response = client.post(
        "/settings",
        data={"locale": "ru", "csrf_token": token(client)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(User.locale).where(User.id == world.olga.id)) == "ru"
    html = _page(client, "/inbox", "en")
    assert 'lang="ru"' in html and _shows(html, ru_text["Mine"])
    assert _shows(_page(client, "/settings", "en"), ru_text["Settings"])

    # Empty: back to the browser's language.
    response = client.post("/settings", data={"locale": "", "csrf_token": token(client)})
    assert response.status_code == 302
    assert db.session.scalar(select(User.locale).where(User.id == world.olga.id)) is None
    assert ">Mine<" in _page(client, "/inbox", "en")
    assert _shows(_page(client, "/inbox", "ru"), ru_text["Mine"])


# ------------------------------------------------------ one English word, several meanings
# Russian needs a different word for each: a list tab is plural, a rule's checkbox speaks of
# the rule, a report heading is a noun, a button is a verb, a request's status is feminine.
# Each use carries its own context (None: plain gettext).
MEANINGS = {
    "Active": {"tab": "Активные", "escalation rule": "Правило включено"},
    "Archived": {"tab": "Архивные", "date": "В архиве с"},
    "Done": {None: "Выполнена", "report": "Выполнено", "button": "Завершить"},
    "Reopened": {None: "Открыта повторно", "report": "Повторные открытия"},
    "Search": {None: "Поиск", "button": "Найти"},
    "Reply to the requester": {None: "Ответ заявителю", "button": "Ответить заявителю"},
    "Name": {None: "Название", "person": "Имя"},
}


@pytest.mark.parametrize("msgid", MEANINGS)
def test_each_meaning_of_a_word_keeps_its_context_in_the_source(source_messages, msgid):
    contexts = {m.context for m in source_messages if m.id == msgid}
    assert contexts == set(MEANINGS[msgid]), (
        f"{msgid!r} is used with the contexts {contexts}: give a new use the context of its "
        "meaning (pgettext), or add the meaning here and to ru/messages.po"
    )


@pytest.mark.parametrize("msgid", MEANINGS)
def test_each_meaning_of_a_word_has_its_own_russian(app, msgid):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        russian = {
            context: pgettext(context, msgid) if context else gettext(msgid)
            for context in MEANINGS[msgid]
        }
    assert russian == MEANINGS[msgid]


def test_the_registry_tabs_and_a_rules_checkbox_say_active_differently(signed_in, world):
    anna = signed_in(world.anna)
    users = _page(anna, "/admin/users", "ru")
    assert ">Активные<" in users and ">Архивные<" in users
    rules = _page(anna, "/sla/rules", "ru")
    assert _shows(rules, "Правило включено") and "Активные" not in rules
