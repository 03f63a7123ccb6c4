"""The host-side tooling of funcpacks: stacks and builder images, generated files, the
development command line, test helpers and benchmarks. Run its modules with
`python3 -m funcpacks_dev.<module>` from the repository root (the Makefile does).

    images/    stack images (mmdebstrap), the builder (pack), the local registry, publishing
    generate/  files generated from versions.toml and committed (deploy/, README reference, locks)
    testing/   helpers the tests and benchmarks share (HTTP servers, mirrors, strategy runner)
    funcbuild  the development command line: build, run, demo
    docker_engine  containers and images through the docker SDK
    bench      benchmarks against hand-written Dockerfiles
    versions   the reader of versions.toml, the one source of truth for versions
    templating renders templates/ (jinja2); cli_args: argparse helpers
"""
