# Easel — `make run` serves the product on the embedded defaults; `make test` runs every test.
PORT ?= 8000
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: run test install bench lint migrate services-up services-down

# The venv is created only when missing, and pip runs only when requirements.txt
# changed, so a second `make run` starts in seconds.
$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	PORT=$(PORT) ./scripts/run.sh

test: install
	./scripts/test.sh

lint: install
	$(PY) -m ruff check .

-include docs/bench.mk
