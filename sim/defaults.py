"""Provides the one default of each profile parameter, for the CLI, the Simulator screen and
the library alike; imports nothing, so a caller that only parses arguments stays fast.

s390 on 6.12 is the RFC's own case on the newest Debian stable tree the facts were read in;
``any`` userspace is what the kernel must survive. Two vCPUs show every vCPU-ordering race the
model has (a race needs two); four AP queues let a bound, an associated, a plain and a
resetting queue coexist in one run.
"""

DEFAULT_ARCH = "s390"
DEFAULT_ERA = "6.12"
DEFAULT_USERSPACE = "any"
DEFAULT_VCPUS = 2
DEFAULT_QUEUES = 4
