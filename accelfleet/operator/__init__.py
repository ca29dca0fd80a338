"""The accelfleet operator: AIJobs placed as whole gangs, live AccelCard and ScaleXPlatform status.

``kopf run -m accelfleet.operator`` imports this package, which registers the kopf handlers;
``accelfleet operator`` runs the same handlers with its own flags. The decisions live in pure
modules (``planner``, ``gang``, ``manifests``, ``tallies``); the rest only reads and writes.
"""

from accelfleet.operator import handlers

__all__ = ["handlers"]
