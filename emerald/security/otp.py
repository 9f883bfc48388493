"""Two-factor sign-in helpers: who needs it, codes, QR pictures. Writes are in services.py."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.conf import settings


def required_for(user: Any) -> bool:
    """Whether this user must confirm a TOTP or recovery code after the password."""
    return (
        bool(getattr(settings, "EMERALD_2FA_REQUIRED", True))
        and getattr(user, "is_authenticated", False)
        and getattr(user, "role", None) in settings.EMERALD_2FA_ROLES
    )


def confirmed_totp(user: Any):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def is_enrolled(user: Any) -> bool:
    return confirmed_totp(user) is not None


def b32_secret(device: Any) -> str:
    return base64.b32encode(device.bin_key).decode("ascii")


def hex_key(b32: str) -> str:
    """The hex key django-otp stores for a base32 secret (as authenticator apps show it)."""
    cleaned = b32.replace(" ", "").upper()
    cleaned += "=" * (-len(cleaned) % 8)
    return base64.b32decode(cleaned).hex()


def qr_svg_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (an <img> the CSP allows; no inline markup or script)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def totp_now(secret: str, at: float | None = None, *, step_offset: int = 0) -> str:
    """The current 6-digit TOTP for a base32 or hex secret (tests, the demo hint, scripts)."""
    import time

    from django_otp.oath import TOTP

    try:
        key = bytes.fromhex(secret)
    except ValueError:
        key = bytes.fromhex(hex_key(secret))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = (time.time() if at is None else at) + step_offset * 30
    return f"{totp.token():06d}"


def code_for(user: Any) -> str:
    """A TOTP code the user's device will accept now (the next step's if this step's was used already)."""
    import time

    device = confirmed_totp(user)
    if device is None:
        raise LookupError(f"{user} has no two-factor device")
    now_t = int(time.time() // device.step)
    offset = 1 if device.last_t >= now_t else 0
    return totp_now(device.key, step_offset=offset)


def enrolled_user_ids() -> list[int]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return list(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))


def required_roles() -> frozenset[str]:
    """Roles that must give a second factor (whether or not enforcement is switched on)."""
    return frozenset(settings.EMERALD_2FA_ROLES)
