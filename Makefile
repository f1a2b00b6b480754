# The two set-up commands of the README. Both install what they need into .venv first.
#   make demo   full migration of the replica site into SQLite, with the verification report
#   make test   the whole test suite (what CI runs, through .ci/run)
PY ?= python3
VENV ?= .venv
WORKDIR ?= work/demo
SCALE ?= demo

.PHONY: install system-deps demo test clean

$(VENV)/.installed: setup.py pyproject.toml
	$(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip wheel
	$(VENV)/bin/pip install --quiet -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed

# Debian tools the tests drive for real: wget (WARC interop), chromium (report check), nginx (redirect
# map), antiword and catdoc (the replica's .doc/.xls files open in them).
system-deps:
	@missing=""; \
	command -v wget >/dev/null || missing="$$missing wget"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	command -v antiword >/dev/null || missing="$$missing antiword"; \
	command -v catdoc >/dev/null || missing="$$missing catdoc"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "warning: could not install$$missing; the tests needing them will say so"; \
	fi

demo: install
	$(VENV)/bin/moha-migrate run --workdir $(WORKDIR) --scale $(SCALE) --ignore-crawl-delay

test: install system-deps
	$(VENV)/bin/python -m pytest -n 2 --dist loadgroup -q

clean:
	rm -rf $(VENV) work .pytest_cache
