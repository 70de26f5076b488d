# The two commands a newcomer needs: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

.PHONY: run test venv translations messages migrate clean vnu image-check

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

venv: $(BIN)/activate

translations: venv
	$(BIN)/pybabel -q compile -d coalition/translations

# Extract strings and merge them into the catalogues (run after adding strings).
messages: venv
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o coalition/translations/messages.pot .
	$(BIN)/pybabel -q update -i coalition/translations/messages.pot -d coalition/translations --no-fuzzy-matching

migrate: translations
	$(BIN)/coalition db upgrade

run: migrate
	$(BIN)/coalition seed-demo --if-empty
	@echo ""
	@echo "  Coalition is starting on http://$(HOST):$(PORT)"
	@echo "  Demo logins (password: $${DEMO_PASSWORD:-coalition-demo}):"
	@echo "    admin@example.org  coordinator@example.org  lead@example.org  member@example.org  liaison@example.org"
	@echo "  Mail is written to instance/mail/ unless SMTP_HOST is set. Ctrl-C stops everything."
	@echo ""
	$(BIN)/honcho start -f Procfile

# The W3C's Nu Html Checker for tests/test_html_valid.py: vnu-jar from npm, pinned, in a cache outside the
# repository (the test looks there, or at VNU_JAR). Without npm or the registry the test skips (fails when CI=true).
VNU_VERSION := 26.9.27
VNU_PREFIX ?= $(HOME)/.cache/coalition-vnu

vnu:
	@if grep -qs '"version": "$(VNU_VERSION)"' "$(VNU_PREFIX)/node_modules/vnu-jar/package.json"; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --ignore-scripts --fetch-retries=1 --prefix "$(VNU_PREFIX)" \
	    vnu-jar@$(VNU_VERSION) || echo "vnu-jar could not be installed: the HTML validity test will skip"; \
	else echo "npm not found: the HTML validity test will skip"; fi

# The whole suite in one run, spread over TEST_JOBS processes (pytest-xdist; default: the cores, at most 4;
# one more than the cores was no faster on 2 cores, docs/PERFORMANCE.md): every database test
# on SQLite and, when TEST_POSTGRES_URL is given (CI gives it), on PostgreSQL too, each worker with its own
# PostgreSQL and Redis database (tests/conftest.py says which tests run where). The tests' SQLite files
# live in memory-backed /dev/shm when there is one (TEST_TMPDIR moves them), and are removed after a run
# that passed. TEST_JOBS=0 runs in one process.
TEST_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
TEST_TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})

test: translations vnu
	@tmp=$$(mktemp -d "$(TEST_TMPDIR)/coalition-tests.XXXXXX"); \
	$(BIN)/pytest -q -n $(TEST_JOBS) --dist loadgroup --basetemp="$$tmp" && rm -rf "$$tmp" || \
	{ status=$$?; echo "(the failed run's files: $$tmp)"; exit $$status; }

# Build the image and start the compose stack for real (scripts/image-check; root and Debian's docker.io).
image-check:
	scripts/image-check

clean:
	rm -rf $(VENV) instance .pytest_cache
