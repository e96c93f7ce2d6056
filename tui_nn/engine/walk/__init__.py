"""The walk: one micro-step at a time, its numbers, records, formulas and words."""
