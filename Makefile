# funcpacks: a Cloud Native Buildpacks builder for functions.
# The two commands: `make demo` and `make test`. Versions live in versions.toml.

PYTHON ?= python3
PYTEST ?= $(PYTHON) -m pytest
# Optional: a directory of extra .crt/.pem CA certificates to bake into the stack images.
EXTRA_CA_DIR ?=

.PHONY: tools stacks builder demo test test-fast test-integration bench registry-start registry-stop publish deploy-manifests clean

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

# Publish the builders and stacks: make publish REGISTRY=<host>[:port]/<namespace>
#   TAG=<tag> (default: versions.toml's), MIRRORS="<registry> ..." (run-image mirrors),
#   REGISTRY_CA=<ca.pem>, INSECURE=1 (plain HTTP, e.g. a local registry).
REGISTRY ?=
TAG ?=
MIRRORS ?=
REGISTRY_CA ?=
INSECURE ?=
publish: builder
	@test -n "$(REGISTRY)" || { echo "publish: set REGISTRY=<host>[:port]/<namespace>" >&2; exit 2; }
	@$(PYTHON) scripts/publish.py push "$(REGISTRY)" $(if $(TAG),--tag "$(TAG)") \
		$(foreach m,$(MIRRORS),--mirror "$(m)") $(if $(REGISTRY_CA),--ca-cert "$(REGISTRY_CA)") $(if $(INSECURE),--insecure)

# deploy/ rendered for the last publish (builders pinned by digest) into build/deploy/.
deploy-manifests:
	@$(PYTHON) scripts/publish.py manifests

registry-start: tools
	@$(PYTHON) scripts/registry.py start

registry-stop:
	@$(PYTHON) scripts/registry.py stop

clean:
	rm -rf build
