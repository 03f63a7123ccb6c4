# funcpacks: a Cloud Native Buildpacks builder for functions.
# The two commands: `make demo` and `make test`. Versions live in versions.toml.

PYTHON ?= python3
PYTEST ?= $(PYTHON) -m pytest
# Optional: a directory of extra .crt/.pem CA certificates to bake into the stack images.
EXTRA_CA_DIR ?=

.PHONY: tools harness generate stacks builder demo test test-fast test-integration bench registry-start registry-stop publish deploy-manifests clean

tools:
	@bash scripts/tools.sh

# The Shipwright and Tekton harness the strategy tests run (tools/shipwright-harness).
harness: tools
	@bash scripts/tools.sh harness

# Rewrite the committed files generated from versions.toml and the settings table (each
# generator's `check` runs in the unit tests): builder.toml, builder-go.toml,
# builder-dotnet.toml, builder-python.toml, deploy/, the README's settings reference.
generate:
	@$(PYTHON) -m funcpacks_dev.generate.builder_toml write
	@$(PYTHON) -m funcpacks_dev.generate.strategy write
	@$(PYTHON) -m funcpacks_dev.generate.manifests write
	@$(PYTHON) -m funcpacks_dev.generate.settings_reference write
	@$(PYTHON) -m funcpacks_dev.generate.tool_locks check 2>/dev/null || $(PYTHON) -m funcpacks_dev.generate.tool_locks write

stacks: tools
	@$(PYTHON) -m funcpacks_dev.images.stacks $(if $(EXTRA_CA_DIR),--extra-ca-dir $(EXTRA_CA_DIR))

# The .NET feed the builder's bundled SDK comes from (funcpacks_dev/images/bundles.py says
# which one is used when this is empty).
DOTNET_FEED ?=
builder: stacks
	@$(if $(DOTNET_FEED),FUNCPACKS_DOTNET_FEED="$(DOTNET_FEED)") $(PYTHON) -m funcpacks_dev.images.builder create

# Only what one Python function needs, each stage timed (funcpacks_dev/demo.py).
demo:
	@$(PYTHON) -m funcpacks_dev.demo

# Unit tier only: the library, and each buildpack's detect/build run as the lifecycle runs
# them, in the build image (the only image this tier needs).
test-fast:
	@bash scripts/tools.sh engine
	@$(PYTHON) -m funcpacks_dev.images.stacks --only build $(if $(EXTRA_CA_DIR),--extra-ca-dir $(EXTRA_CA_DIR))
	$(PYTEST) -m "not slow" tests

# Everything: unit tier plus integration through pack, the lifecycle, Docker and a registry.
# The builders and the harness are made side by side: the harness is compiling while the
# stacks wait on the Debian mirror and the emulated arm64 stack runs on one core.
test: tools
	@$(MAKE) --no-print-directory -j2 builder harness
	$(PYTEST) tests

test-integration: tools
	@$(MAKE) --no-print-directory -j2 builder harness
	$(PYTEST) -m slow tests

# Benchmarks against a hand-written Dockerfile: QUICK=1 for one repetition of one sample.
QUICK ?=
bench: builder
	@$(PYTHON) -m funcpacks_dev.bench $(if $(QUICK),--quick)

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
	@$(PYTHON) -m funcpacks_dev.images.publish push "$(REGISTRY)" $(if $(TAG),--tag "$(TAG)") \
		$(foreach m,$(MIRRORS),--mirror "$(m)") $(if $(REGISTRY_CA),--ca-cert "$(REGISTRY_CA)") $(if $(INSECURE),--insecure)

# deploy/ rendered for the last publish (builders pinned by digest) into build/deploy/.
deploy-manifests:
	@$(PYTHON) -m funcpacks_dev.images.publish manifests

registry-start: tools
	@$(PYTHON) -m funcpacks_dev.images.registry start

registry-stop:
	@$(PYTHON) -m funcpacks_dev.images.registry stop

clean:
	rm -rf build
