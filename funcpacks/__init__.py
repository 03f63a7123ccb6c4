"""funcpacks: the shared library of the funcpacks buildpacks.

The standard library plus tomli_w (the build image's Debian python3-tomli-w): it runs on
the build image's python3. The packaging step copies
this package into each buildpack (``<buildpack>/lib/funcpacks``).
"""
