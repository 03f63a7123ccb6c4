"""The images funcpacks is made of: stacks (mmdebstrap), the builder (pack), the local
registry they are pushed to, and publishing to a user's registry."""
