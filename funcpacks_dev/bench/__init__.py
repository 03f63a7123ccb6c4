"""`make bench` (python3 -m funcpacks_dev.bench): see __main__.py."""
