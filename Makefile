# The two commands of the quick start: `make run` and `make test`. Both set up
# everything first: a Python >= 3.12 virtualenv, dependencies, a secret key, the
# database, static files.
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
SECRET_KEY_FILE ?= var/secret_key
PORT ?= 8000
export SECRET_KEY_FILE

.PHONY: run test setup worker web lint bench audit browser clean

run: setup
	$(PY) manage.py seed_demo
	scripts/run-all

worker: setup
	$(PY) manage.py run_worker

web: setup
	$(VENV)/bin/gunicorn --config statuspage/gunicorn.conf.py statuspage.wsgi

test: setup browser
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/bandit -c pyproject.toml -r . --quiet --severity-level medium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

# The browser tests use Debian's Chromium (never a downloaded one). Installed when
# missing and possible (root, as in CI); otherwise those tests say how to get it.
browser:
	@test -x /usr/bin/chromium || test "$$(id -u)" != 0 || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# Known vulnerabilities in the installed packages (asks PyPI's advisory data; needs the
# network, so it is not part of `make test`). pip-audit lives in its own virtualenv so
# that it does not audit itself.
AUDIT_VENV := .venv-audit
audit: setup
	@test -x $(AUDIT_VENV)/bin/pip-audit || \
		{ "$$(scripts/find-python)" -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install -q pip-audit; }
	@mkdir -p var && $(PY) -m pip freeze --exclude-editable > var/audited-requirements.txt
	$(AUDIT_VENV)/bin/pip-audit --disable-pip --no-deps -r var/audited-requirements.txt

setup: $(INSTALLED) $(SECRET_KEY_FILE)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v 0

$(INSTALLED): pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# A local secret key, generated once and kept out of git (var/ is ignored).
$(SECRET_KEY_FILE):
	@mkdir -p $(dir $@)
	@$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

clean:
	rm -rf $(VENV) $(AUDIT_VENV) staticfiles
