from tests.support.sim import sim, sim_module

__all__ = ["sim", "sim_module"]
