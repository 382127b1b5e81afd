"""Sign-in rate limits, counted in the database so every hub process shares them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.errors import ClientError
from plugins.portal.settings import PortalSettings
from plugins.portal.tables import PortalAttempt


class TooManyAttempts(ClientError):
    status_code = 429


async def check_and_count(settings: PortalSettings, *keys_limits: tuple[str, int]) -> None:
    """Record one attempt for each key; raise 429 when any key is over its limit.

    The attempt is counted before checking, so hammering while limited keeps the
    window full. The same answer is given for known and unknown addresses.
    """
    now = datetime.now(UTC)
    window = timedelta(minutes=settings.sign_in_window_minutes)
    since = now - window
    # old rows are useless: drop them as we go (the `at` column is indexed)
    await PortalAttempt.delete().where(PortalAttempt.at < since)
    await PortalAttempt.insert(*[PortalAttempt(key=key, at=now) for key, _ in keys_limits])
    for key, limit in keys_limits:
        count = await PortalAttempt.count().where(
            (PortalAttempt.key == key) & (PortalAttempt.at >= since)
        )
        if count > limit:
            minutes = settings.sign_in_window_minutes
            raise TooManyAttempts(
                f"too many sign-in attempts; try again in {minutes} minutes",
                retry_after_seconds=minutes * 60,
            )
