# Magasin — every command a developer needs. A fresh machine needs only python3.11, git and make.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11
DEV := DEBUG=1

.PHONY: install install-dev run test lint serve bench clean cluster cluster-stop

.tools/bin/uv:
	python3.11 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

## install: the runtime virtualenv (.venv) from the committed uv.lock
# mysqlclient compiles against libmariadb-dev: installed when DATABASE_URL asks for MySQL.
install: $(UV)
	$(UV) sync --frozen --no-dev --inexact $(if $(filter mysql%,$(DATABASE_URL)),--extra mysql,)

install-dev: $(UV)
	@$(UV) sync --frozen --extra mysql || { \
		echo "!!! mysqlclient could not be built (apt-get install libmariadb-dev pkg-config):"; \
		echo "!!! the MySQL/MariaDB pass of the suite will be skipped."; \
		$(UV) sync --frozen; }

## run: migrate the SQLite database in var/, load the demo data, serve on 127.0.0.1:8000
run: install
	@mkdir -p var
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py demo
	@echo "Magasin écoute sur http://127.0.0.1:8000 (Ctrl-C pour arrêter)"
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

## test: the whole suite on SQLite, and on PostgreSQL and MariaDB when they answer
test: install-dev
	$(PY) scripts/tests.py $(ARGS)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(DEV) $(PY) -m mypy magasin

## serve: production serving with gunicorn (needs SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL)
serve: install
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput
	$(PY) -m gunicorn -c python:magasin.core.gunicorn_conf magasin.wsgi:application

## cluster: hot standby on 127.0.0.1:5433 and PgBouncer on 127.0.0.1:6432 beside the local
## PostgreSQL 15 (idempotent; docs/DEPLOIEMENT.md, "Le chemin du cluster"); cluster-stop stops both
cluster:
	bash scripts/cluster.sh start

cluster-stop:
	bash scripts/cluster.sh stop

## bench: the performance report (docs/PERFORMANCE.md); ARGS="--avant REVISION" measures that code too, side by side
bench: install-dev
	$(PY) -m bench.rapport $(ARGS)
	@if (exec 3<>/dev/tcp/127.0.0.1/5433) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/6432) 2>/dev/null; \
	then $(PY) -m bench.replique; else echo "bench.replique skipped: no standby/PgBouncer (make cluster)"; fi

clean:
	rm -rf .venv .tools var/*.sqlite3* staticfiles
