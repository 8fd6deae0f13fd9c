# onemap entry points. `make demo` and `make test` are the README's two commands.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ONEMAP := $(VENV)/bin/onemap
DEMO_DIR ?= demo-workspace
DEMO_SCALE ?= small
OUT := $(DEMO_DIR)/outputs
PYTEST_ARGS ?= -n auto  # pytest-xdist: one worker per core
# Debian packages the project needs: browser for e2e tests, CJK fonts for reports,
# poppler to check PDFs, pango for WeasyPrint, PostgreSQL+PostGIS for the postgres mode.
DEB_PACKAGES := chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 \
                postgresql-15-postgis-3 gdal-bin
# Installed where the distribution has them (the PyQGIS client test is skipped, with the
# reason, where it has not): QGIS 3.22 + PyQGIS, about 100 s and 1 GB on Debian 12.
OPTIONAL_DEB_PACKAGES := qgis python3-qgis
# `make demo` needs only what the demo needs (fonts and pango for its PDFs): no browser, no
# PostgreSQL — those are for `make test`.
DEMO_DEB_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
SYSTEM_PACKAGES ?= $(DEB_PACKAGES)

.PHONY: setup system system-demo python web demo demo-build serve test lint e2e bench clean

setup: system python web

system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install Debian packages:$$missing (sudo apt-get install$$missing)"; exit 1; fi; \
	fi
	@optional=""; for p in $(OPTIONAL_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || \
	  { apt-cache policy $$p 2>/dev/null | grep -q 'Candidate: [0-9]' && optional="$$optional $$p"; }; done; \
	if [ -n "$$optional" ] && [ "$$(id -u)" = 0 ]; then echo "installing optional Debian packages:$$optional"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$optional >/dev/null || echo "optional packages not installed"; fi

python: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,postgres,bench,dask]'
	touch $@

web: src/onemap/api/static/dist/.built

src/onemap/api/static/dist/.built: web/package.json $(shell find web/src -type f) $(wildcard web/*.mjs)
	@if [ -f web/package.json ]; then cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build; fi
	@mkdir -p src/onemap/api/static/dist && touch $@

demo: system-demo python web demo-build serve

system-demo:
	@$(MAKE) --no-print-directory system SYSTEM_PACKAGES="$(DEMO_DEB_PACKAGES)" OPTIONAL_DEB_PACKAGES=

# The main job: build the small province, then every capability on it, then serve.
demo-build: python
	$(ONEMAP) demo $(DEMO_DIR) --scale $(DEMO_SCALE) --run --overwrite
	$(ONEMAP) qc $(DEMO_DIR) --kind dltb --vintage 2020 --out $(OUT)/qc-dltb-2020.html
	$(ONEMAP) stats $(DEMO_DIR) --vintage 2020 --out $(OUT)/landuse-stats-2020.xlsx
	$(ONEMAP) change $(DEMO_DIR) --from 2019 --to 2020 --open-cases --post-ledger \
	  --xlsx $(OUT)/change-2019-2020.xlsx
	$(ONEMAP) cases sheet $(DEMO_DIR) 1 --out $(OUT)/case-1-evidence.pdf
	$(ONEMAP) ledgers balance $(DEMO_DIR) --xlsx $(OUT)/farmland-in-out-ledger.xlsx
	$(ONEMAP) carbon stock $(DEMO_DIR) --vintage 2019 --vintage 2020 --post-indicators \
	  --xlsx $(OUT)/carbon-stock-2019-2020.xlsx
	$(ONEMAP) carbon change $(DEMO_DIR) --from 2019 --to 2020 --draws 2000 \
	  --xlsx $(OUT)/carbon-change-2019-2020.xlsx
	$(ONEMAP) carbon projects $(DEMO_DIR) --xlsx $(OUT)/restoration-projects.xlsx
	$(ONEMAP) review $(DEMO_DIR) $(OUT)/sites --batch --out $(OUT)/review-summary.xlsx
	$(ONEMAP) review $(DEMO_DIR) $(OUT)/sites/site-2-redline.txt --pdf $(OUT)/review-site-2.pdf
	$(ONEMAP) hazards issue $(DEMO_DIR) --on 2020-07-08
	$(ONEMAP) hazards respond $(DEMO_DIR) 1 all notified
	$(ONEMAP) hazards respond $(DEMO_DIR) 1 all patrolled
	$(ONEMAP) hazards show $(DEMO_DIR) 1 --xlsx $(OUT)/hazard-notices-batch-1.xlsx > /dev/null
	$(ONEMAP) hazards bulletin $(DEMO_DIR) --on 2020-07-08 --out $(OUT)/hazard-bulletin-2020-07-08.pdf
	$(ONEMAP) hazards score $(DEMO_DIR) --from 2020-04-01 --to 2020-07-31 --post-indicators
	$(ONEMAP) mining check $(DEMO_DIR) --as-of 2023-12-31 --open-cases --xlsx $(OUT)/mining-check.xlsx
	$(ONEMAP) mining annual $(DEMO_DIR) --year 2023 --out $(OUT)/mining-2023.pdf
	$(ONEMAP) mining annual $(DEMO_DIR) --year 2023 --out $(OUT)/mining-2023.xlsx
	$(ONEMAP) quota project add $(DEMO_DIR) $(OUT)/quota/projects.geojson
	$(ONEMAP) quota debit $(DEMO_DIR) --approvals-file $(OUT)/quota/debits.txt
	$(ONEMAP) quota balance $(DEMO_DIR) --xlsx $(OUT)/farmland-quota-balance.xlsx
	$(ONEMAP) supply status $(DEMO_DIR) --year 2020 --xlsx $(OUT)/land-supply-2020.xlsx
	$(ONEMAP) registry register $(DEMO_DIR) --vintage 2020 --xlsx $(OUT)/registry-registers-2020.xlsx
	$(ONEMAP) registry register $(DEMO_DIR) $$(cat $(OUT)/registry/showcase-unit.txt) --vintage 2020 \
	  --pdf $(OUT)/registry-national-park.pdf
	$(ONEMAP) registry coverage $(DEMO_DIR) --vintage 2020 --xlsx $(OUT)/registry-coverage-2020.xlsx
	$(ONEMAP) registry reregister $(DEMO_DIR) --from 2019 --to 2020 --json > $(OUT)/registry-reregistration.json
	$(ONEMAP) indicators report $(DEMO_DIR) --year 2020 --out $(OUT)/indicators-2020.pdf
	$(ONEMAP) indicators report $(DEMO_DIR) --year 2020 --out $(OUT)/indicators-2020.xlsx
	@echo; echo "演示输出 demo outputs in $(OUT):"; ls -1 $(OUT) | sed 's/^/  /'

serve: python
	$(ONEMAP) serve $(DEMO_DIR)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: python
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports

e2e: setup
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) web/node_modules src/onemap/api/static/dist
