# The two commands a newcomer needs: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

.PHONY: run test venv translations messages migrate clean

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
	@echo "    admin@example.org  coordinator@example.org  lead@example.org  member@example.org"
	@echo "  Mail is written to instance/mail/ unless SMTP_HOST is set. Ctrl-C stops everything."
	@echo ""
	$(BIN)/honcho start -f Procfile

# SQLite first; then, when TEST_POSTGRES_URL is given (CI gives it), the whole suite on PostgreSQL
# (but the browser tests, which run on their own server and database either way).
test: translations
	$(BIN)/pytest -q
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  echo "== the suite again, on PostgreSQL"; \
	  TEST_DATABASE=postgres $(BIN)/pytest -q --ignore=tests/e2e; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache
