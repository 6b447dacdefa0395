# The two commands: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := consult_app

.PHONY: run test install install-dev migrate demo lint typecheck check clean browser fonts

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load --if-empty

run: demo compile-translations
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install-dev compile-translations browser
	$(BIN)/ruff check consult_app tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

# The browser journeys (tests/browser_journeys) drive Debian's Chromium through Playwright
# (Playwright's own browser download is not used). Installed here when missing, as root.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "$(CHROMIUM) is missing: install Debian's chromium package as root" \
				"(apt-get install chromium) or run 'make test' as root." >&2; \
			exit 1; \
		fi; \
		echo "Installing Chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			chromium fonts-noto-core fonts-noto-cjk fonts-dejavu-core; \
	fi
	@$(MAKE) --no-print-directory fonts

# The report's PDF (WeasyPrint) is set in Times New Roman as UN documents are (Liberation
# Serif has its metrics: fonts-liberation) and draws Arabic and Chinese with Debian's Noto
# fonts: Noto Naskh Arabic (fonts-noto-core) and Noto Serif/Sans CJK (fonts-noto-cjk);
# Cyrillic is in Liberation/DejaVu. Installed here, as root, when fontconfig lacks one.
.PHONY: fonts
fonts:
	@if [ -z "$$(fc-list :lang=ar family)" ] || [ -z "$$(fc-list :lang=zh-cn family)" ] \
			|| ! fc-list | grep -q "Liberation Serif"; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "Fonts missing for the report: install Debian's fonts-liberation," \
				"fonts-noto-core and fonts-noto-cjk as root." >&2; \
			exit 1; \
		fi; \
		echo "Installing the report's fonts (Liberation, Noto for Arabic and Chinese)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			fontconfig fonts-liberation fonts-noto-core fonts-noto-cjk fonts-dejavu-core; \
	fi

lint: install-dev
	$(BIN)/ruff check consult_app tests
	$(BIN)/ruff format --check consult_app tests

typecheck: install-dev
	$(BIN)/mypy
	$(BIN)/lint-imports

# Translations (docs/translations.md). The .po catalogs are committed; the compiled .mo
# files are not: they are built here from the .po files (before `run` and `test`).
# `make translations` re-extracts the strings, updates every catalog and compiles them.
.PHONY: translations compile-translations
I18N_DIR := consult_app/translations
I18N_LOCALES := fr es ar zh ru
I18N_MO := $(foreach l,$(I18N_LOCALES),$(I18N_DIR)/$(l)/LC_MESSAGES/messages.mo)

$(I18N_DIR)/%/LC_MESSAGES/messages.mo: $(I18N_DIR)/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --locale $* --input-file $< --output-file $@

compile-translations: $(I18N_MO)

translations: $(VENV)/.installed
	mkdir -p $(I18N_DIR)
	$(BIN)/pybabel extract --mapping-file babel.cfg --keyword _l --keyword lazy_gettext \
		--add-comments TRANSLATORS: --add-location file --width 100 \
		--ignore-dirs '.* _* bench build dist instance' \
		--project consult_app --output-file $(I18N_DIR)/messages.pot .
	for locale in $(I18N_LOCALES); do \
		$(BIN)/pybabel update --init-missing --ignore-obsolete --no-fuzzy-matching --width 100 \
			--input-file $(I18N_DIR)/messages.pot --output-dir $(I18N_DIR) --locale $$locale || exit 1; \
	done
	$(BIN)/pybabel compile --directory $(I18N_DIR) --statistics
	$(BIN)/python scripts/untranslated.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# A production-like cluster on this machine (docs/operations.md): nginx from Debian's package
# (installed here when missing, as root) on 127.0.0.1:8080 in front of two gunicorn instances
# (8001, 8002) on the local PostgreSQL and Redis, with an RQ worker for exports and imports. Configured
# only by environment variables (scripts/cluster.sh lists them); logs in instance/cluster/.
# `make cluster-stop` stops it. The fault tests (tests/cluster) start their own cluster on
# other ports: `make test-cluster` (run by .ci/run after the main suites).
NGINX ?= /usr/sbin/nginx
.PHONY: cluster cluster-stop test-cluster nginx
nginx:
	@if [ ! -x "$(NGINX)" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "$(NGINX) is missing: install Debian's nginx package as root" \
				"(apt-get install nginx) or run this target as root." >&2; \
			exit 1; \
		fi; \
		echo "Installing nginx for the cluster"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx; \
	fi

cluster: install compile-translations nginx
	@if [ -z "$$DATABASE_URL" ]; then \
		createdb -h 127.0.0.1 cluster 2>/dev/null || true; \
	fi
	BIN=$(CURDIR)/$(BIN) scripts/cluster.sh start

cluster-stop:
	BIN=$(CURDIR)/$(BIN) scripts/cluster.sh stop

test-cluster: install-dev compile-translations nginx
	$(BIN)/pytest -m cluster tests/cluster -p no:cacheprovider
