"""Housing optimiser: safe cells for one person, plans for units and for a whole prison system."""
