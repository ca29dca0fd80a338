"""What ``accelfleet top`` and ``accelfleet explain`` show, as pure functions over the cluster's objects.

``cluster`` is the only module that talks to the API; the others turn plain dicts into plain data and
plain data into rich renderables, so every picture can be tested without a cluster.
"""
