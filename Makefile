# ivlog: `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-libs run test browser bench differential stress migrations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) system-libs

## WeasyPrint (the PDF summaries) needs Pango, HarfBuzz's font subsetter and a font from Debian.
system-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset && fc-list 2>/dev/null | grep -qi dejavu \
	  && command -v pdftoppm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpango-1.0-0 \
	  libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig poppler-utils; }

run: setup
	$(BIN)/python -m server migrate
	$(BIN)/python -m server demo --if-empty
	$(BIN)/python -m server serve

## Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

## One pytest worker per core (pytest-xdist; TEST_WORKERS=0 runs in one process); each test has its own
## database and server, so workers share nothing. The slowest tests are listed at the end.
TEST_WORKERS ?= auto
test: setup browser
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=15
	@if ls tests/js/*.test.mjs >/dev/null 2>&1; then node --test tests/js/; fi

## The storm's third deployment needs Debian's haproxy, the PouchDB peer its bench-only npm packages
## (bench/peer/node_modules, from the lock file); without them the report says so, it does not skip.
bench: setup
	@command -v haproxy >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq haproxy; } \
	  || echo "haproxy could not be installed: the report will say 'haproxy not present'"
	@test bench/peer/node_modules/.package-lock.json -nt bench/peer/package-lock.json \
	  || { command -v npm >/dev/null 2>&1 && cd bench/peer && npm ci --no-audit --no-fund --loglevel=error; } \
	  || echo "npm ci in bench/peer failed: the report will say the PouchDB peer is not installed"
	$(BIN)/python -m bench
	$(MAKE) differential

## The tablet's rules (Node) and the server's give the same state for 50,000 plausible visits from the
## fixed seed (make test folds the first 10,000; python -m tests.differential COUNT SEED for any other).
differential: setup
	$(BIN)/python -m tests.differential 50000

## Reliability campaigns: kill -9 of the server and crash-restarts of a private PostgreSQL while
## tablets push, then a backup taken under 50 writers and restored (python -m stress --help).
stress: setup
	$(BIN)/python -m stress crash --db sqlite --cycles 50
	$(BIN)/python -m stress crash --db postgres --cycles 50
	$(BIN)/python -m stress backup --db sqlite --writers 50
	$(BIN)/python -m stress backup --db postgres --writers 50

## Developer tool: write a migration after changing server/db/models.py or sync/models.py.
migrations: setup
	$(BIN)/tortoise -c server.db.makemigrations_config.TORTOISE_ORM makemigrations

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis test-artifacts
