# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1

.PHONY: run test deps test-deps browser translations lint clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Dependencies come from pyproject.toml; the project itself is never installed (see README).
$(VENV)/.deps: pyproject.toml | $(VENV)/bin/python
	$(PY) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > $(VENV)/requirements.txt
	$(PIP) install -r $(VENV)/requirements.txt
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.deps
	$(PY) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['optional-dependencies']['test']))" > $(VENV)/requirements-test.txt
	$(PIP) install -r $(VENV)/requirements-test.txt
	touch $@

deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps browser

# Debian's Chromium drives the browser tests, libzbar reads QR codes back, and a private
# D-Bus stands in for the desktop that shows (and clicks) the app's notifications.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/dbus-daemon ] && ldconfig -p | grep -q libzbar.so.0; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium, libzbar0 and dbus-daemon for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libzbar0 dbus-daemon >/dev/null; \
	else echo "Cannot install chromium/libzbar0/dbus-daemon here (needs root and apt-get): browser tests will be skipped"; fi

translations: $(VENV)/.deps
	$(VENV)/bin/pybabel compile -f -d wave/translations

run: deps translations
	WAVE_HOST=$(HOST) $(PY) -m wave demo

test: test-deps translations lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check wave tests bench scripts
	$(VENV)/bin/ruff format --check --quiet wave tests bench scripts

clean:
	rm -rf $(VENV) instance
