"""The AP hardware timing model (DESIGN layer 2): the s390 AP queues, the Ultravisor and the
kernel's reset and PV teardown on a deterministic simulated clock.

- :mod:`sim.timing.clock` — the event queue, ordered by (time, priority, sequence);
- :mod:`sim.timing.spec` — latency and fault specs, the hardware parameters;
- :mod:`sim.timing.ap` — APQNs, PQAP ZAPQ/TAPQ/AQIC with the kernel's response codes, the
  Ultravisor's Destroy Secure Configuration (normal and fast) and its refusal while bound;
- :mod:`sim.timing.run` — the kernel: both reset algorithms and the teardown paths, driven by
  the checker's own :class:`sim.profile.Profile`;
- :mod:`sim.timing.result` — :func:`simulate` and the result the CLI and the screen show;
- :mod:`sim.timing.montecarlo` — many seeded runs, probabilities with confidence intervals;
- :mod:`sim.timing.link` — the outcome classes as the checker's nondeterministic choices;
- :mod:`sim.timing.sources` — every cited source line, as data the real-source tests check.
"""

