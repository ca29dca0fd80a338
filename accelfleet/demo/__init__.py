"""``accelfleet demo``: a simulated fleet, the operator and a mix of AIJobs, watched to the end.

``jobs`` (the mix), ``outcomes`` (what had to happen) and ``render`` (what is shown) are pure;
``processes``, ``install`` and ``runner`` are the shell that starts, reads and stops.
"""
