# unionkpi: the project's front door. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
UV := .tools/bin/uv
PORT ?= 8501
# every Python package: ruff and mypy check them all (mypy's settings are in pyproject.toml)
PACKAGES := kernel ingest unionkpi trust expectations dashboards
export UV_PROJECT_ENVIRONMENT := $(VENV)

.DEFAULT_GOAL := help
.PHONY: help demo test bench bench-postgres lint system-deps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# Bytecode is compiled once here: with PYTHONDONTWRITEBYTECODE set (as on the
# CI machine) nothing else writes it, and every process (a build, a server,
# each test's subprocess) would compile dbt and Great Expectations from
# source again, about 7 s of every build's start.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --all-groups --quiet --compile-bytecode
	touch $@

# Each Debian package checked on its own (one present says nothing of the
# others) and the missing ones installed together. PostgreSQL's server
# binaries live in /usr/lib/postgresql/<version>/bin, off PATH; without them
# (and without root to install them) the PostgreSQL tests skip, saying why.
system-deps: ## Chromium, CJK fonts, poppler-utils and PostgreSQL (apt-get when root), for exports and tests
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi 'cjk\|wqy' || missing="$$missing fonts-noto-cjk"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
		|| missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing$$missing with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif [ "$$missing" = " postgresql" ]; then \
		echo "没有 PostgreSQL，跳过其测试 / no PostgreSQL: its tests will be skipped (sudo apt-get install postgresql)"; \
	else \
		echo "需要 / needed:$$missing"; \
		echo "  sudo apt-get install$$missing"; \
		exit 1; \
	fi

demo: $(VENV)/.synced system-deps ## build the demo warehouse and serve the dashboards on :8501
	$(VENV)/bin/unionkpi demo --port $(PORT)

# pytest runs on every core, a test file per worker (its module fixtures built once).
test: $(VENV)/.synced system-deps ## lint and type-check, then run every test
	$(VENV)/bin/ruff check $(PACKAGES) bench tests
	$(VENV)/bin/mypy $(PACKAGES)
	$(VENV)/bin/sqlfluff lint dbt --disable-progress-bar
	@$(VENV)/bin/python -m pytest -q -n auto --dist loadfile; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; \
	exit $$rc

bench: $(VENV)/.synced system-deps ## benchmarks at scales 1, 100 and 300, then PostgreSQL against DuckDB (long)
	$(VENV)/bin/python -m bench.run
	$(VENV)/bin/python -m bench.postgres

bench-postgres: $(VENV)/.synced system-deps ## PostgreSQL against DuckDB at scales 1 and 100: build, 8 uploaders, 20 sessions
	$(VENV)/bin/python -m bench.postgres

lint: $(VENV)/.synced ## ruff, mypy and sqlfluff
	$(VENV)/bin/ruff check $(PACKAGES) bench tests
	$(VENV)/bin/mypy $(PACKAGES)
	$(VENV)/bin/sqlfluff lint dbt --disable-progress-bar

clean: ## remove the environments (not the data)
	rm -rf .tools $(VENV)
