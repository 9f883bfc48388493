"""The optimiser's engine: plain Python + OR-Tools, no Django (see docs/planning.md)."""

from .instance import Bed, Cell, Instance, KeepApart, Person, Unit, Weights
from .solve import Result, Suggestion, first_fit, solve, suggest
from .validator import Report, Violation, validate

__all__ = [
    "Bed", "Cell", "Instance", "KeepApart", "Person", "Unit", "Weights", "Result", "Suggestion", "first_fit",
    "solve", "suggest", "Report", "Violation", "validate",
]
