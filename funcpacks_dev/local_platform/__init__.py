"""What a cluster and its network give a build, stood up on this machine: a runner of the
Shipwright and Tekton build strategies' steps on Docker, stand-ins for the images those
steps name that cannot be pulled here, the mirrored dependencies (../shared/deps: the
builder's .NET SDK comes from there too), local HTTP servers, and the build-image
container the unit tier runs each buildpack's phases in. Used by make builder, the tests,
the benchmarks and the README's strategy recipes."""
