#!/usr/bin/env bash
# Re-extract the UI text, merge it into every catalog, and compile.
#
#   scripts/update_translations.sh        (from anywhere; works on the checkout it lives in)
#
# Then translate the new or emptied entries in wave/translations/<lang>/LC_MESSAGES/messages.po
# and run it again (or `make translations`) to compile. tests/unit/test_i18n.py fails while
# any message of the source has no translation.
#
# Stable, small diffs: messages are sorted by msgid, references name the file but not the line,
# and a template whose only change is its creation date is not rewritten.
set -euo pipefail

cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
DIR=wave/translations
POT=$DIR/messages.pot
LANGUAGES=(ru)

# Keep in step with KEYWORDS in tests/unit/test_i18n.py. The defaults (_, gettext, ngettext,
# pgettext, ...) are always included; these add Flask-Babel's lazy variants.
KEYWORDS=(-k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2)

new_pot=$(mktemp "${TMPDIR:-/tmp}/wave-messages.XXXXXX.pot")
trap 'rm -f "$new_pot"' EXIT

"$PYBABEL" --quiet extract -F babel.cfg "${KEYWORDS[@]}" \
    --sort-output --add-location=file --add-comments=TRANSLATORS: \
    --project=Wave --copyright-holder="Wave contributors" \
    -o "$new_pot" .

if [[ -f $POT ]] && cmp -s <(grep -v '^"POT-Creation-Date:' "$POT") \
                          <(grep -v '^"POT-Creation-Date:' "$new_pot"); then
    echo "$POT: unchanged"
else
    cp "$new_pot" "$POT"
    echo "$POT: updated"
fi

for lang in "${LANGUAGES[@]}"; do
    po=$DIR/$lang/LC_MESSAGES/messages.po
    if [[ -f $po ]]; then
        # No fuzzy matching: a changed msgid comes back empty instead of with a guessed,
        # possibly wrong translation. --ignore-obsolete drops messages no longer in the source.
        "$PYBABEL" --quiet update -i "$POT" -d "$DIR" -l "$lang" \
            --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
    else
        "$PYBABEL" --quiet init -i "$POT" -d "$DIR" -l "$lang"
    fi
done

"$PYBABEL" compile --statistics -f -d "$DIR"
