"""Strings that this app's edits added to housing's code and the base template.

Listed here so ``makemessages`` run in this app picks them up and the German
catalog of this app translates them (Django merges every app's catalog).
"""

from django.utils.translation import gettext_noop

STRINGS = [
    gettext_noop("Emergency move across the lockdown"),
    gettext_noop("The move is flagged for review by the warden."),
    gettext_noop("Emergency reason"),
    gettext_noop("You may not make emergency moves for this move."),
    gettext_noop("An emergency move needs a reason."),
    gettext_noop("Lockdowns"),
]
