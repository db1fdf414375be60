"""Provides the one default of each profile parameter, for the CLI, the Simulator screen and
the library alike; imports nothing, so a caller that only parses arguments stays fast.

Evidence for each: s390 is the architecture the RFC is about (F0.1: reset the AP queues of a
Secure Execution guest before its configuration goes); 6.12 is the newest Debian stable tree
the facts were read in (``linux-source-6.12`` 6.12.117, the ``[6.12]`` of every fact that cites
a line); ``any`` userspace is what the kernel must survive, since it may not trust its VMM
(F8.20, ``sim.userspace``). Two vCPUs show every vCPU-ordering race the model has (a race
needs two); four AP queues let a bound, an associated, a plain and a resetting queue coexist
in one run (F6.9, F7.11).
"""

DEFAULT_ARCH = "s390"  # F0.1
DEFAULT_ERA = "6.12"  # the [6.12] Debian tree
DEFAULT_USERSPACE = "any"  # F8.20
DEFAULT_VCPUS = 2
DEFAULT_QUEUES = 4
