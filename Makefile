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

.PHONY: run test test-real bench report clean FORCE

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# llama.cpp is compiled for the AVX2 generation of x86 CPUs, not for this machine's own
# (-DGGML_NATIVE=OFF): a native build on an Intel CPU with AMX crashes on Q4_K models in the first
# decode (llama.cpp issue 20824; brief refuses such a build), and the same kernels on every machine
# give the same arithmetic, so the same results. --no-cache-dir: pip's wheel cache ignores
# CMAKE_ARGS and would hand back a native build made earlier. Override for another CPU, e.g.
# `make LLAMA_CMAKE_ARGS=-DGGML_NATIVE=ON` on a CPU without AVX2.
# `make LLAMA_AVX512=1` adds the AVX-512 kernels (and the VNNI, VBMI and BF16 parts /proc/cpuinfo
# lists), still without AMX: on the Intel Xeon they read prompts 34-50 % faster and brief ran 20 %
# faster, but its results are then this CPU generation's own (README, Dependencies).
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has = $(filter $(1),$(CPU_FLAGS))
AVX512_ARGS = $(if $(and $(call has,avx512f),$(call has,avx512cd),$(call has,avx512vl),$(call has,avx512dq),$(call has,avx512bw)),\
  -DGGML_AVX512=ON$(if $(call has,avx512vbmi), -DGGML_AVX512_VBMI=ON)$(if $(call has,avx512_vnni), -DGGML_AVX512_VNNI=ON)$(if $(call has,avx512_bf16), -DGGML_AVX512_BF16=ON),\
  $(error LLAMA_AVX512=1: this CPU lacks AVX-512 (avx512f, cd, vl, dq and bw in /proc/cpuinfo); run make without it for the AVX2 build))
LLAMA_AVX512 ?=
LLAMA_CMAKE_ARGS ?= $(strip -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON $(if $(LLAMA_AVX512),$(AVX512_ARGS)))
LLAMA_PIN := $(shell grep -o '"llama-cpp-python==[0-9.]*"' pyproject.toml)

# Rebuilt only when the pin or the flags change: the flags file is rewritten only then.
$(VENV)/.llama-flags: FORCE | $(PY)
	@echo '$(LLAMA_PIN) $(LLAMA_CMAKE_ARGS)' | cmp -s - $@ || echo '$(LLAMA_PIN) $(LLAMA_CMAKE_ARGS)' > $@

$(VENV)/.installed-llama: $(VENV)/.llama-flags
	@echo "== build llama-cpp-python from source (measured 3-11 min on 2 cores)"
	@start=$$(date +%s); CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --quiet --no-cache-dir \
	  --force-reinstall --no-deps $(LLAMA_PIN) && echo "== built in $$(( $$(date +%s) - start )) s"
	@touch $@

# One stamp per extra, so a repeated make does not reinstall; pyproject changes invalidate it.
$(VENV)/.installed-%: pyproject.toml $(VENV)/.installed-llama | $(PY)
	@echo "== install brief[$*]"
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
