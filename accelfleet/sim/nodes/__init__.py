"""The simulated cluster's nodes: where Node objects come from, how pods get onto them, and how they run.

Pure decision modules (node factory, scheduling filters, card picking, status builders) sit next to
the controllers that read the store, call them and write the result back.
"""
