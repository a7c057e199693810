# The two commands of the quick start: `make run` and `make test`. Both set up
# everything first: a Python >= 3.12 virtualenv, dependencies, a secret key, the
# database, static files.
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The tests' npm tools (the Nu Html Checker); npm ci writes this file last.
NODE_INSTALLED := node_modules/.package-lock.json
SECRET_KEY_FILE ?= var/secret_key
PORT ?= 8000
export SECRET_KEY_FILE

.PHONY: run test setup worker web lint bench clean

run: setup
	$(PY) manage.py seed_demo
	scripts/run-all

worker: setup
	$(PY) manage.py run_worker

web: setup
	$(VENV)/bin/gunicorn --config statuspage/gunicorn.conf.py statuspage.wsgi

test: setup $(NODE_INSTALLED)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

setup: $(INSTALLED) $(SECRET_KEY_FILE)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v 0

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
	rm -rf $(VENV) staticfiles node_modules
