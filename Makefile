# The two commands: `make run` (demo on SQLite, no services needed) and `make test`
# (the whole suite against PostgreSQL and Redis). Everything else is a step of those.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

# Test environment: real PostgreSQL and Redis (override on the command line or environment).
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/portal)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
TEST_ENV := DEBUG=0 SECRET_KEY=test-only-secret-key-not-for-production \
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	CELERY_TASK_ALWAYS_EAGER=1 STATIC_MANIFEST=0 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 \
	CSRF_COOKIE_SECURE=0 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1
RUN_ENV := DEBUG=1 DATABASE_URL=$(or $(RUN_DATABASE_URL),sqlite:///$(CURDIR)/db.sqlite3) REDIS_URL= \
	ALLOWED_HOSTS=127.0.0.1,localhost CELERY_TASK_ALWAYS_EAGER=1

.PHONY: run test bench install install-dev lint check migrate demo clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

demo: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

run: demo
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy .

check: install-dev
	$(TEST_ENV) $(PY) scripts/ensure_database.py
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py check
	# The OpenAPI schema is valid and generates without a warning (tests/test_openapi_contract.py
	# then checks it against the running API with schemathesis, in the test run).
	$(TEST_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	env -u SECURE_SSL_REDIRECT -u SESSION_COOKIE_SECURE -u CSRF_COOKIE_SECURE \
		-u SECURE_HSTS_SECONDS -u SECURE_HSTS_INCLUDE_SUBDOMAINS -u SECURE_HSTS_PRELOAD \
		DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=portal.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

test: lint check
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks print figures; they are not tests and are not run by `make test`.
# The scripts that read the generated national data directly (rolled back after each run).
BENCH_DB_ENV = DEBUG=1 SECRET_KEY=bench-only REDIS_URL= \
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal_bench}

bench: install-dev
	$(TEST_ENV) $(PY) -m pytest -q -s -o addopts="" -o python_files="bench_*.py" tests/bench
	$(TEST_ENV) $(PY) -m tests.bench.http
	$(BENCH_DB_ENV) $(PY) -m tests.bench.deadlines
	$(BENCH_DB_ENV) $(PY) -m tests.bench.outbox
	$(BENCH_DB_ENV) $(PY) -m tests.bench.dashboard
	# Makes (and drops) its own scratch database next to TEST_DATABASE_URL's; needs Redis.
	$(TEST_ENV) $(PY) -m tests.bench.exports

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache .mypy_cache
