"""Files generated from versions.toml (and the settings table) and committed: each has a
`write` and a `check` command, and a test runs `check`."""
