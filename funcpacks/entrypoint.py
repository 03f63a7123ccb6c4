"""Entry point of every funcpacks buildpack, packaged as <buildpack>/lib/__main__.py.

bin/detect and bin/build are wrappers that run `python3 -B -I <buildpack>/lib <their own
path> <the lifecycle's arguments>`. Python runs a directory's __main__.py with that
directory first on the import path, so the library (lib/funcpacks) and the buildpack's own
package (lib/<module>, named in buildpack.toml [metadata] module) import from there, and
so does lib/descriptor.py, which the packaging step writes: buildpack.toml's id and
module and the stack's build users (funcpacks/build_user.py), read without a TOML parser (importing tomllib would cost every detect 4 ms).

-B: /cnb is read-only at build time (the builder ships lib/'s byte-code instead).
-I (isolated: -E, -s, -P): PYTHONPATH or PYTHONHOME in a user's platform env (which
reaches buildpacks) and the build user's own site-packages must not change which code
runs. Not -S: tomli_w is the build image's Debian package, found through site.
"""
import sys
from pathlib import Path

import descriptor
from funcpacks import phase

if len(sys.argv) < 2:
    raise SystemExit("run as bin/detect or bin/build (the lifecycle runs them)")
# argv as the lifecycle gave it to the wrapper: [bin/<phase>, legacy positional arguments...]
argv = sys.argv[1:]
bin_path = Path(argv[0]).resolve()
phase.main(descriptor.ID, descriptor.MODULE, bin_path.name, argv, descriptor.BUILD_USERS)
