"""funcpacks: the shared library of the funcpacks buildpacks.

Standard library only: it runs on the build image's python3. The packaging step copies
this package into each buildpack (``<buildpack>/lib/funcpacks``).
"""
