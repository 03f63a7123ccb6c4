# funcpacks: a Cloud Native Buildpacks builder for functions.
# The two commands: `make demo` and `make test`. Versions live in versions.toml.

PYTHON ?= python3
PYTEST ?= $(PYTHON) -m pytest
# Optional: a directory of extra .crt/.pem CA certificates to bake into the stack images.
EXTRA_CA_DIR ?=

.PHONY: tools stacks builder demo test test-fast test-integration bench registry-start registry-stop clean

tools:
	@bash scripts/tools.sh

stacks: tools
	@$(PYTHON) scripts/stacks.py $(if $(EXTRA_CA_DIR),--extra-ca-dir $(EXTRA_CA_DIR))

builder: stacks
	@$(PYTHON) scripts/builder.py create

demo: builder
	@$(PYTHON) scripts/funcbuild.py demo

# Unit tier only: the library and each buildpack's detect/build run as the lifecycle runs them.
test-fast:
	$(PYTEST) -m "not slow" tests

# Everything: unit tier plus integration through pack, the lifecycle, Docker and a registry.
test: builder
	$(PYTEST) tests

test-integration: builder
	$(PYTEST) -m slow tests

# Benchmarks against a hand-written Dockerfile: QUICK=1 for one repetition of one sample.
QUICK ?=
bench: builder
	@$(PYTHON) scripts/bench.py $(if $(QUICK),--quick)

registry-start: tools
	@$(PYTHON) scripts/registry.py start

registry-stop:
	@$(PYTHON) scripts/registry.py stop

clean:
	rm -rf build
