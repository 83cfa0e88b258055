"""Simulation loop: runs one raid end to end."""

from airdefense.simulation.events import EVENT_COLUMNS, EVENT_KINDS, EventLog
from airdefense.simulation.loop import RNG_STREAMS, THREAT_STATES, SimulationResult, simulate

__all__ = ["EVENT_COLUMNS", "EVENT_KINDS", "EventLog", "RNG_STREAMS", "SimulationResult",
           "THREAT_STATES", "simulate"]
