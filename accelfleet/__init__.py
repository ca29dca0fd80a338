"""accelfleet: gang scheduling of AI jobs across mixed-vendor accelerator super-clusters."""

__version__ = "0.1.0"
