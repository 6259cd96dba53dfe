"""Sharp tests for the rule modules that `make mutate` mutates: each pins a boundary a surviving mutant crossed."""

from __future__ import annotations
