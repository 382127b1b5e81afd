"""``GET /calendar/{token}.ics``: the feed itself, authenticated by its token alone."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hub.errors import NotFound
from hub.runtime import Hub
from plugins.calendar import feeds
from plugins.calendar.runtime import settings_of

MEDIA_TYPE = "text/calendar"


@get(
    "/calendar/{name:str}", operation_id="getCalendarFeed", tags=["calendar"], media_type=MEDIA_TYPE
)
async def calendar_feed(hub: NamedDependency[Hub], name: FromPath[str]) -> Response[bytes]:
    """The iCalendar (RFC 5545) feed behind a token. Unknown and revoked tokens are 404."""
    token = name.removesuffix(".ics")
    row = await feeds.find_feed(token) if name.endswith(".ics") else None
    if row is None:
        # One answer for malformed, unknown and revoked: nothing to learn by probing.
        raise NotFound("calendar feed", "(token)")
    body = await feeds.render_feed(hub.pm, row, settings_of(hub), datetime.now(UTC))
    return Response(
        body,
        media_type=MEDIA_TYPE,
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": 'inline; filename="calendar.ics"',
        },
    )
