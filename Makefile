# Everything runs from a local virtualenv; only python3 (3.11+) is needed. What goes into
# it comes from the lock files in requirements/ (exact versions with hashes, the ones the
# suite is run with), installed by uv; pyproject.toml holds the ranges the locks are made
# from. `make lock` remakes the locks after a change to pyproject.toml (README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

# uv itself, pinned and hash-checked, in a folder of its own: `uv pip sync` makes .venv
# exactly the lock, which would uninstall a uv living there.
UV_VERSION := 0.13.9
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
# The Python is $(PYTHON); uv must never fetch one of its own.
export UV_PYTHON_DOWNLOADS := never

LOCK_RUN   := requirements/run.txt
LOCK_DEV   := requirements/dev.txt
LOCK_BUILD := requirements/build.txt
LOCK_UV    := requirements/uv.txt
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DEV  := $(VENV)/.installed-dev
INSTALL    = $(UV) pip install --python $(BIN)/python --quiet

.PHONY: install run test lint lock lock-upgrade format bench clean vendor vendor-redoc

# The interpreter's own pip puts it there (--target: no virtualenv to build, no
# site-packages touched); where python3 comes without pip, a virtualenv's pip does.
PIP_TO_TOOLS := pip install --quiet --disable-pip-version-check --no-compile \
	--require-hashes -r $(LOCK_UV) --target $(TOOLS)
$(UV): $(LOCK_UV)
	rm -rf $(TOOLS)
	if $(PYTHON) -m pip --version >/dev/null 2>&1; then \
		PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m $(PIP_TO_TOOLS); \
	else \
		$(PYTHON) -m venv $(TOOLS)/pip && $(TOOLS)/pip/bin/python -m $(PIP_TO_TOOLS); \
	fi
	touch $@

$(VENV)/pyvenv.cfg: | $(UV)
	$(UV) venv --quiet --python $(PYTHON) $(VENV)

# The app itself, editable, built with the locked setuptools.
INSTALL_APP = $(INSTALL) --no-deps --build-constraints $(LOCK_BUILD) --require-build-hashes \
	--editable .

# make run: the app's own dependencies only (no test or dev tools). Added to whatever
# is there, so a full environment from `make install` stays full.
$(STAMP_RUN): $(LOCK_RUN) $(LOCK_BUILD) pyproject.toml | $(VENV)/pyvenv.cfg
	$(INSTALL) --require-hashes -r $(LOCK_RUN)
	$(INSTALL_APP)
	touch $@

# make test / lint / bench: exactly the tested set, nothing more. Byte-compiled at
# once (pip always did): the suite starts many server and worker processes, and
# where PYTHONDONTWRITEBYTECODE is set (CI's machine) each would compile every module
# it imports again, 1.5 s of CPU for the app's imports alone.
$(STAMP_DEV): $(LOCK_DEV) $(LOCK_BUILD) pyproject.toml | $(VENV)/pyvenv.cfg
	$(UV) pip sync --python $(BIN)/python --quiet --require-hashes --compile-bytecode $(LOCK_DEV)
	$(INSTALL_APP)
	touch $@

install: $(STAMP_DEV)

## make run: migrate the embedded SQLite database, ensure the demo host, serve on PORT.
# ALLOW_PRIVATE_URLS: the demo host's conflict calendar is an ICS feed this server
# publishes and fetches from itself (web/demo_feed.py).
# PUBLIC_URL follows HOST and PORT unless set: the demo host's conflict calendar is a
# feed this very server publishes, and links in pages and e-mails should work too.
RUN_ENV = PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} ALLOW_PRIVATE_URLS=$${ALLOW_PRIVATE_URLS:-on}
run: $(STAMP_RUN)
	$(BIN)/rendezvous migrate
	$(RUN_ENV) $(BIN)/rendezvous demo
	$(RUN_ENV) $(BIN)/rendezvous serve --host $(HOST) --port $(PORT)

## make test: the whole suite, on SQLite and (when reachable) PostgreSQL, spread over
## TEST_WORKERS processes (pytest-xdist; `make test TEST_WORKERS=0` runs it in this one,
## as a plain `python -m pytest` does). Most of the suite's time is spent waiting on
## other processes (servers, workers, databases, a browser), so the workers overlap
## well even on 2 cores. At most 5: each takes three of Redis's 16 databases
## (tests/conftest.py). loadgroup: tests are handed out one by one, except those
## that start several server and worker processes, which all go to one worker, one
## after the other (tests/conftest.py, PROCESS_MODULES).
TEST_WORKERS ?= 3
test: $(STAMP_DEV)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# deptry twice: the app may import only `dependencies`; tests, benchmarks and tools
# anything declared (deptry skips tests/ unless its default exclusions are replaced).
lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy availability booking integrations web
	$(BIN)/lint-imports
	$(BIN)/python requirements/check.py
	$(BIN)/deptry availability booking integrations web
	$(BIN)/deptry tests bench requirements --exclude '__pycache__' --ignore DEP002,DEP004

## make lock: remake the locks from pyproject.toml, keeping every pin that still fits;
## make lock-upgrade: move every pin to the newest release the ranges allow.
# One universal resolution (every OS, CPU and Python >= 3.11; what differs is a marker),
# with the hashes of every file. dev.txt is resolved first and run.txt within its pins,
# so `make run` installs the very versions the suite passed with. A lock whose content
# did not change keeps its date, so no environment is rebuilt for nothing.
define compile_lock  # $(1): the lock; $(2): what it is resolved from; $(3): a command piping it in
	if [ -f $(1) ]; then cp $(1) $(1).new; fi
	$(3) $(UV) pip compile $(2) --quiet --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" $(UPGRADE) -o $(1).new
	if cmp -s $(1) $(1).new; then rm $(1).new; else mv $(1).new $(1); echo "make lock: $(1) changed"; fi
endef
BUILD_REQUIRES := $(PYTHON) -c 'import tomllib; \
	print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")'

lock: $(UV)
	@$(call compile_lock,$(LOCK_DEV),pyproject.toml --all-extras)
	@$(call compile_lock,$(LOCK_RUN),pyproject.toml -c $(LOCK_DEV))
	@$(call compile_lock,$(LOCK_BUILD),-,$(BUILD_REQUIRES) |)
	@$(call compile_lock,$(LOCK_UV),-,echo "uv==$(UV_VERSION)" |)

lock-upgrade: UPGRADE := --upgrade
lock-upgrade: lock

format: $(STAMP_DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP_DEV)
	@for script in bench/[!_]*.py; do $(BIN)/python $$script || exit 1; done

# Browser libraries the pages load, vendored under web/static/vendor/NAME-VERSION/ with
# their licences: the prebuilt files of the npm package (`npm pack`: no install scripts
# run, no Node build step), changed only where they would fetch from another site. The version is the one the code names; to move to another,
# change it there and run this. The files are committed.
VENDOR := web/static/vendor
REDOC_VERSION := $(shell sed -n 's/^REDOC_VERSION = "\(.*\)"$$/\1/p' web/api_docs.py)

vendor: vendor-redoc vendor-fullcalendar vendor-axe

vendor-redoc:
	@test -n "$(REDOC_VERSION)" || { echo "REDOC_VERSION not found in web/api_docs.py"; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	( cd "$$tmp" && npm pack --silent redoc@$(REDOC_VERSION) >/dev/null ) && \
	tar -xzf "$$tmp"/redoc-$(REDOC_VERSION).tgz -C "$$tmp" && \
	rm -rf $(VENDOR)/redoc-* && mkdir -p $(VENDOR)/redoc-$(REDOC_VERSION) && \
	cp "$$tmp"/package/bundles/redoc.standalone.js \
		"$$tmp"/package/bundles/redoc.standalone.js.LICENSE.txt \
		"$$tmp"/package/LICENSE $(VENDOR)/redoc-$(REDOC_VERSION)/ && \
	sed -i 's|https://cdn\.redoc\.ly/redoc/logo-mini\.svg|data:,|' \
		$(VENDOR)/redoc-$(REDOC_VERSION)/redoc.standalone.js && \
	! grep -q 'cdn\.redoc\.ly' $(VENDOR)/redoc-$(REDOC_VERSION)/redoc.standalone.js && \
	printf '%s\n' \
		"redoc $(REDOC_VERSION) (npm, MIT): bundles/redoc.standalone.js of the package." \
		"One change: the Redocly logo in the sidebar came from cdn.redoc.ly; its address is" \
		"data:, (an empty image, which Redoc then leaves out), so the page loads nothing" \
		"from elsewhere." \
		"sha256 of the npm tarball: $$(sha256sum "$$tmp"/redoc-$(REDOC_VERSION).tgz | cut -d' ' -f1)" \
		> $(VENDOR)/redoc-$(REDOC_VERSION)/VERSION

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache

## make vendor-fullcalendar: refresh the activities calendar's FullCalendar from npm
## (FULLCALENDAR_VERSION=x.y.z to move it). Its prebuilt browser bundle and stylesheets,
## copied as published: no Node build step. v7 ships its CSS as files (v6 injected a
## <style> element, which the Content-Security-Policy refuses).
FULLCALENDAR_VERSION ?= 7.1.0
FULLCALENDAR_DIR := web/static/vendor/fullcalendar-$(FULLCALENDAR_VERSION)
.PHONY: vendor-fullcalendar
vendor-fullcalendar:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent fullcalendar@$(FULLCALENDAR_VERSION) >/dev/null && \
		tar xzf fullcalendar-$(FULLCALENDAR_VERSION).tgz) && \
	rm -rf web/static/vendor/fullcalendar-* && mkdir -p $(FULLCALENDAR_DIR) && \
	cp "$$tmp/package/all/global.js" $(FULLCALENDAR_DIR)/fullcalendar.global.js && \
	cp "$$tmp/package/skeleton.css" $(FULLCALENDAR_DIR)/skeleton.css && \
	cp "$$tmp/package/themes/classic/global.js" $(FULLCALENDAR_DIR)/theme-classic.global.js && \
	cp "$$tmp/package/themes/classic/theme.css" $(FULLCALENDAR_DIR)/theme-classic.css && \
	cp "$$tmp/package/themes/classic/palette.css" $(FULLCALENDAR_DIR)/theme-classic-palette.css && \
	cp "$$tmp/package/LICENSE.md" $(FULLCALENDAR_DIR)/LICENSE.md && \
	echo "fullcalendar $(FULLCALENDAR_VERSION) from npm (npm pack fullcalendar@$(FULLCALENDAR_VERSION)); make vendor-fullcalendar" > $(FULLCALENDAR_DIR)/VERSION

## make vendor-axe: refresh the accessibility tests' axe-core from npm (AXE_VERSION=x.y.z
## to move it). Its prebuilt axe.min.js and licence, copied as published: no Node build
## step. Test-only (tests/browser/test_accessibility.py injects it), so never served.
AXE_VERSION ?= 4.14.1
AXE_DIR := tests/browser/vendor/axe-core-$(AXE_VERSION)
.PHONY: vendor-axe
vendor-axe:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
		tar xzf axe-core-$(AXE_VERSION).tgz) && \
	rm -rf tests/browser/vendor/axe-core-* && mkdir -p $(AXE_DIR) && \
	cp "$$tmp/package/axe.min.js" $(AXE_DIR)/axe.min.js && \
	cp "$$tmp/package/LICENSE" $(AXE_DIR)/LICENSE && \
	echo "axe-core $(AXE_VERSION) from npm (npm pack axe-core@$(AXE_VERSION)); make vendor-axe" > $(AXE_DIR)/VERSION
