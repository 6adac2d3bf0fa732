# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BRIEF  := $(VENV)/bin/brief
PIP    := $(PY) -m pip --disable-pip-version-check
MODEL  ?=
ARGS   ?=
# The seeds' two stance targets, as in `brief bench` (baseline.DEFAULT_TARGETS; a test keeps them equal);
# `make run TARGETS=` leaves only each document's own subject.
TARGETS ?= --target DeepSeek --target 米国の対中半導体輸出規制

.PHONY: run test test-real bench report clean

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# One stamp per extra, so a repeated make does not reinstall; pyproject changes invalidate it.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	@echo "== install brief[$*] (llama-cpp-python builds from source the first time: measured 11 min on 2 cores)"
	@start=$$(date +%s); $(PIP) install --quiet -e ".[$*]" && echo "== installed in $$(( $$(date +%s) - start )) s"
	@touch $@

run: $(VENV)/.installed-model
	@start=$$(date +%s); $(BRIEF) models pull $(MODEL) && echo "== model ready in $$(( $$(date +%s) - start )) s"
	@start=$$(date +%s); $(BRIEF) run seeds/ $(if $(MODEL),--model $(MODEL)) $(TARGETS) $(ARGS); rc=$$?; \
	  echo "== brief run took $$(( $$(date +%s) - start )) s"; \
	  $(BRIEF) validate results/ && $(BRIEF) report results/ >/dev/null; exit $$rc

test: $(VENV)/.installed-test
	$(PY) -m pytest -q

# The opt-in tests that run the real default model (minutes).
test-real: $(VENV)/.installed-test $(VENV)/.installed-model
	$(BRIEF) models pull
	$(PY) -m pytest -q -m real_model

bench: $(VENV)/.installed-model
	$(BRIEF) models pull $(MODEL)
	$(BRIEF) bench --json results/bench/bench.json $(ARGS)

clean:
	rm -rf $(VENV) results/*.json results/runs results/bench results/report.*
