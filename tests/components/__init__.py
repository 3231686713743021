"""Tests of the tier components (a package, so test module names never clash with other test folders)."""
