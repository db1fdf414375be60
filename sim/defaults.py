"""Provides the one default of each size parameter, for the CLI, the Simulator screen and the
library alike; imports nothing, so a caller that only parses arguments stays fast.

Two vCPUs show every vCPU-ordering race the model has (a race needs two); four AP queues let
a bound, an associated, a plain and a resetting queue coexist in one run.
"""

DEFAULT_VCPUS = 2
DEFAULT_QUEUES = 4
