"""Benchmarks of the server's sync path (`make bench`, DESIGN section 7).

Every figure is paired with a baseline measured in the same run on the same machine (raw
sqlite3 doing the same storage work), so ratios stay meaningful across machines. Speed is
reported as PASS/FAIL lines; a lost or duplicated event makes the run fail.
"""
