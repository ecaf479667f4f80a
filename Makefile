# Two commands: `make run` sets everything up and serves the app; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint setup clean translations translations-update requirements bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Every package, transitive ones included, is pinned and hashed: a fresh clone installs exactly
# what CI tested, and pip refuses anything else.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

# For developers: after changing requirements*.in, pin and hash everything again.
UV_COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11
requirements: $(VENV)/.installed-dev
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) requirements-dev.in -o requirements-dev.txt

# ESLint (make lint) and axe-core (the accessibility tests), exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled catalogues (.mo) are build products, made from the committed .po files.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d translations

# For developers: collect new strings from the code and merge them into the catalogues.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --ignore-dirs=".* _* node_modules instance tests bench" -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching

setup: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo

run: setup
	@echo "Rallypoint on http://$(HOST):$(PORT)/  (Ctrl-C stops it; mail: http://$(HOST):$(PORT)/dev/mailbox)"
	RALLYPOINT_ENV=development BASE_URL=http://$(HOST):$(PORT) $(BIN)/python -m devserver --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist), one test file per worker at a time, so that a
# file's module fixtures (the deployed stack, a browser context) start once. TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-dev node_modules/.installed translations
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx --no-install eslint .

# The benchmarks, each printing ratios against a baseline measured in the same run (a quick
# pass; README "Performance" gives each one's full command and figures). http_load needs wrk.
bench: $(VENV)/.installed-dev translations
	$(BIN)/python bench/i18n.py
	$(BIN)/python bench/fanout.py --attendees 2000 --sent 20000
	$(BIN)/python bench/organiser.py --quick
	$(BIN)/python bench/push.py --subscriptions 2000 --rounds 1
	$(BIN)/python bench/http_load.py --rsvps 24,50000 --seconds 3

clean:
	rm -rf $(VENV) .pytest_cache node_modules
