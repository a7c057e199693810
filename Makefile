# The two commands of the quick start: `make run` and `make test`. Both set up
# everything first: a Python >= 3.12 virtualenv, dependencies, a secret key, the
# database, static files.
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The tests' npm tools (the Nu Html Checker); npm ci writes this file last.
NODE_INSTALLED := node_modules/.package-lock.json
# Local state (the settings' VAR_DIR): the database, the mail outbox, the generated key.
VAR := $(or $(VAR_DIR),var)
SECRET_KEY_FILE ?= $(VAR)/secret_key
# Where a shell in this checkout finds the key and the port (statuspage/settings.py
# reads it): `manage.py post_update` works with nothing exported.
LOCAL_ENV := $(VAR)/local.env
PORT ?= 8000
export SECRET_KEY_FILE

.PHONY: run test test-quick setup local-env worker web bench audit test-tools clean

run: setup
	$(PY) manage.py seed_demo
	scripts/run-all

worker: setup
	$(PY) manage.py run_worker

web: setup
	$(VENV)/bin/gunicorn --config statuspage/gunicorn.conf.py statuspage.wsgi

test: setup test-tools $(NODE_INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/bandit -c pyproject.toml -r . --quiet --severity-level medium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The inner loop: no browser, no other processes, on every core (pytest-xdist).
test-quick: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -m "not browser and not slow" -n auto -q $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

# Tools the tests need beyond Python, from Debian when missing (as root, as in CI):
# Chromium for the browser tests (never a browser a test tool downloads), Java for the
# Nu Html Checker, npm for vnu.jar. Without root, the tests that need them say so.
TEST_TOOLS := chromium:chromium java:default-jre-headless npm:npm
# libical's iTIP check of the calendar, read through Debian's Python (no command to find).
LIBICAL := /usr/bin/python3 -c 'import gi; gi.require_version("ICalGLib", "3.0")'
test-tools:
	@missing=$$(for pair in $(TEST_TOOLS); do command -v $${pair%%:*} >/dev/null || echo $${pair##*:}; done; \
		$(LIBICAL) 2>/dev/null || echo python3-gi gir1.2-ical-3.0); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
		echo "Installing $$missing"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing fonts-dejavu-core >/dev/null; \
	fi

# Known vulnerabilities in the installed packages (asks PyPI's advisory data; needs the
# network, so it is not part of `make test`). pip-audit lives in its own virtualenv so
# that it does not audit itself.
AUDIT_VENV := .venv-audit
audit: setup
	@test -x $(AUDIT_VENV)/bin/pip-audit || \
		{ "$$(scripts/find-python)" -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install -q pip-audit; }
	@mkdir -p var && $(PY) -m pip freeze --exclude-editable > var/audited-requirements.txt
	$(AUDIT_VENV)/bin/pip-audit --disable-pip --no-deps -r var/audited-requirements.txt

setup: $(INSTALLED) $(SECRET_KEY_FILE) local-env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v 0

# Written each time: the port may differ from one `make run PORT=…` to the next.
local-env: $(SECRET_KEY_FILE)
	@printf '# Written by make: the generated key and the port `make run` serves on.\nSECRET_KEY_FILE=%s\nPORT=%s\n' \
		"$(abspath $(SECRET_KEY_FILE))" "$(PORT)" > $(LOCAL_ENV)

$(INSTALLED): pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# A local secret key, generated once and kept out of git (var/ is ignored).
$(SECRET_KEY_FILE):
	@mkdir -p $(dir $@)
	@$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

clean:
	rm -rf $(VENV) $(AUDIT_VENV) staticfiles node_modules
