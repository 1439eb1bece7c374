# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Let Python keep compiled bytecode (and pytest its rewritten test modules) in __pycache__: with
# PYTHONDONTWRITEBYTECODE set, every test process, server and worker compiled everything again
# (collecting the suite took 4.5 s per process instead of 1.7 s).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test bootstrap bootstrap-dev migrate seed lint lint-css sdk-js-deps lock lock-check worker demo-code clean

DEV_STAMP := $(VENV)/.installed-dev

# Runtime packages only (make run, make worker).
$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "MaintainPro needs Python 3.11+; $(PYTHON) is older. Try: make $(MAKECMDGOALS) PYTHON=python3.12"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $(STAMP)

# Runtime plus test and lint tools (make test, make lint).
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(DEV_STAMP)

bootstrap: $(STAMP)

bootstrap-dev: $(DEV_STAMP)

migrate: bootstrap
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

## make run: migrate, load demo data into an empty database, start web + worker
run: seed
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m portal.devserver

## make test: the whole suite on DATABASE_URL/REDIS_URL if set, else SQLite + embedded Redis,
## spread over one process per core plus one (pytest-xdist; each has its own database and Redis database).
## Each file runs in one process (--dist loadfile), handed out longest first: the page sweeps, the other
## browser files, then the rest with the most tests first (tests/conftest.py orders them by that rule;
## --no-loadscope-reorder keeps its order), so no list of slow files needs keeping.
## One process: make test WORKERS=0. One file: make test PYTEST_ARGS=tests/test_parts.py
# One process more than cores: the browser, server and worker tests spend part of their time waiting.
# At most 16: on Redis each process takes a database index of its own.
WORKERS ?= $(shell n=$$(( $$(nproc 2>/dev/null || echo 1) + 1 )); echo $$(( n > 16 ? 16 : n )))
PLUGINS_OFF := -p no:schemathesis -p no:hypothesispytest -p no:anyio
test: bootstrap-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PLUGINS_OFF) -n $(WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: bootstrap-dev
	$(BIN)/ruff check portal tests worker.py wsgi.py bench sdk/python

## make lint-css: stylelint (npm, pinned in .ci/stylelint/package-lock.json) over static/css and static/docs.css.
## Each selector is defined once: in its file, and across base, components and areas, which the
## browser reads one after another (for that check the line numbers count through the three in turn).
STYLELINT_DIR := .ci/stylelint
STYLELINT := $(STYLELINT_DIR)/node_modules/.bin/stylelint --config $(STYLELINT_DIR)/stylelintrc.json
PORTAL_CSS := static/css/base.css static/css/components.css static/css/areas.css
$(STYLELINT_DIR)/node_modules/.installed: $(STYLELINT_DIR)/package-lock.json
	cd $(STYLELINT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint-css: $(STYLELINT_DIR)/node_modules/.installed
	$(STYLELINT) $(PORTAL_CSS) static/docs.css
	cat $(PORTAL_CSS) | $(STYLELINT) --stdin-filename "static/css/base+components+areas.css"

## make sdk-js-deps: TypeScript (npm, pinned in .ci/typescript/package-lock.json) for the JS SDK's
## consumer check in tests/test_js_sdk.py (it skips, saying so, without it).
TYPESCRIPT_DIR := .ci/typescript
$(TYPESCRIPT_DIR)/node_modules/.installed: $(TYPESCRIPT_DIR)/package-lock.json
	cd $(TYPESCRIPT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

sdk-js-deps: $(TYPESCRIPT_DIR)/node_modules/.installed

## make lock: requirements.txt and requirements-dev.txt again from requirements.in and requirements-dev.in
## (edit the .in files, never the locks). Pins already in a lock are kept while its input allows them;
## make lock UPGRADE=1 takes the newest release of everything instead. Policy: docs/dependencies.md.
# pip-compile resolves through pip, so it reaches PyPI the way `pip install` does on this machine; the
# index and find-links options of the machine's pip configuration stay out of the locks.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock: bootstrap-dev
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

## make lock-check: fails when a lock no longer matches its input (run by CI before the tests).
# Compiles each input again into a scratch copy of its lock (the copy's pins are kept, as in make lock)
# and compares: an input edited without `make lock` (a package added, removed or bounded), or a lock
# edited by hand into one its input does not give, shows as a difference. Newer releases on PyPI alone
# do not: the pins in the lock are kept.
lock-check: bootstrap-dev
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && stale= && \
	for pair in requirements.in:requirements.txt requirements-dev.in:requirements-dev.txt; do \
		input=$${pair%%:*}; lock=$${pair#*:}; cp "$$lock" "$$scratch/$$lock"; \
		$(PIP_COMPILE) --output-file "$$scratch/$$lock" "$$input" || exit 1; \
		diff -u "$$lock" "$$scratch/$$lock" || stale="$$stale $$lock"; \
	done; \
	if [ -n "$$stale" ]; then \
		echo "lock-check: out of date with its input:$$stale. Run 'make lock' and commit the result (docs/dependencies.md)." >&2; \
		exit 1; \
	fi; \
	echo "lock-check: requirements.txt and requirements-dev.txt match their inputs"

worker: migrate
	$(BIN)/python worker.py

## make demo-code EMAIL=tech@demo.maintainpro.test: current MFA code of a demo user
demo-code: bootstrap
	@test -n "$(EMAIL)" || { echo "usage: make demo-code EMAIL=tech@demo.maintainpro.test"; exit 2; }
	@$(FLASK) demo-code $(EMAIL)

clean:
	rm -rf $(VENV) instance .pytest_cache
