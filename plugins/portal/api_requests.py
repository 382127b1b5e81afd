"""JSON API for the contact's requests (``/portal/api/requests...``), same isolation as pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from hub.runtime import Hub
from plugins.portal import access, actions
from plugins.portal.api_schemas import (
    FileIn,
    FileOut,
    MessageOut,
    ReplyIn,
    RequestDetail,
    RequestIn,
    RequestOut,
    StatusOut,
    SubmissionOut,
)
from plugins.portal.files import AttachmentRef
from plugins.portal.render import portal_settings
from plugins.portal.sessions import check_api_csrf, require_user, signed_in
from plugins.portal.submissions import Upload
from plugins.portal.views_requests import file_response


def _request_out(row: dict[str, Any]) -> RequestOut:
    return RequestOut(
        id=row["id"],
        reference=f"#{row['id']}",
        title=row["title"],
        status=row["status"],
        priority=row["priority"],
        category=row["category"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        resolved_at=row["resolved_at"],
    )


def _uploads(files: list[FileIn]) -> list[Upload]:
    return [Upload(filename=f.filename, content_type=f.content_type, data=f.content) for f in files]


def _file_out(task_id: int, ref: AttachmentRef) -> FileOut:
    return FileOut(
        filename=ref.filename,
        content_type=ref.content_type,
        size=ref.size,
        sha256=ref.sha256,
        url=f"/portal/api/requests/{task_id}/files/{ref.sha256}",
    )


@get("/requests", operation_id="portalApiListRequests", guards=[signed_in])
async def list_requests(
    request: Request[Any, Any, Any], status: FromQuery[str] = "all"
) -> list[RequestOut]:
    """The contact's requests, newest first (``status``: open, done or all)."""
    user = await require_user(request)
    return [_request_out(r) for r in await access.visible_tasks(user, status)]


@post(
    "/requests",
    operation_id="portalApiSubmitRequest",
    status_code=HTTP_202_ACCEPTED,
    guards=[signed_in],
)
async def submit(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[RequestIn]
) -> SubmissionOut:
    """Submit a request; answered once the hub durably accepted it (202).

    ``state`` is "created" with ``request_id`` when the request was filed within a few
    seconds, else "pending": poll ``GET /portal/api/submissions/{submission_id}``.
    """
    user = await require_user(request)
    check_api_csrf(request, user)
    fields = {
        "subject": data.subject,
        "description": data.description,
        "priority": data.priority,
        "category": data.category,
        "affected": data.affected,
    }
    submission_id, task_id = await actions.submit_request(
        hub, portal_settings(hub), user, fields, _uploads(data.attachments), data.submission_id
    )
    return SubmissionOut(
        submission_id=submission_id,
        state="pending" if task_id is None else "created",
        request_id=task_id,
    )


@get("/submissions/{submission_id:str}", operation_id="portalApiSubmission", guards=[signed_in])
async def submission(
    request: Request[Any, Any, Any], submission_id: FromPath[str]
) -> SubmissionOut:
    """Whether one of the contact's submissions has become a request yet."""
    user = await require_user(request)
    task_id = await actions.submission_task(user, submission_id)
    return SubmissionOut(
        submission_id=submission_id,
        state="pending" if task_id is None else "created",
        request_id=task_id,
    )


@get("/requests/{task_id:int}", operation_id="portalApiGetRequest", guards=[signed_in])
async def get_request(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], task_id: FromPath[int]
) -> RequestDetail:
    """One request with its public conversation (never internal notes or time entries)."""
    user = await require_user(request)
    task, conversation = await actions.conversation(user, portal_settings(hub), task_id)
    base = _request_out(task)
    return RequestDetail(
        **{f: getattr(base, f) for f in base.__struct_fields__},
        messages=[
            MessageOut(
                id=m["id"],
                author=m["author"],
                from_customer=m["from_customer"],
                body=m["body"],
                created_at=m["created_at"],
                attachments=[_file_out(task_id, a) for a in m["attachments"]],
            )
            for m in conversation
        ],
    )


@post(
    "/requests/{task_id:int}/messages",
    operation_id="portalApiReply",
    status_code=201,
    guards=[signed_in],
)
async def reply(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    task_id: FromPath[int],
    data: JSONBody[ReplyIn],
) -> StatusOut:
    """Add the contact's reply; returns the request's status afterwards."""
    user = await require_user(request)
    await access.visible_task(user, task_id)
    check_api_csrf(request, user)
    await actions.reply(
        hub, portal_settings(hub), user, task_id, data.body, _uploads(data.attachments)
    )
    task = await access.visible_task(user, task_id)
    return StatusOut(id=task_id, status=task["status"])


@post(
    "/requests/{task_id:int}/resolve",
    operation_id="portalApiResolve",
    status_code=200,
    guards=[signed_in],
)
async def resolve(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], task_id: FromPath[int]
) -> StatusOut:
    """Mark the request resolved."""
    user = await require_user(request)
    await access.visible_task(user, task_id)
    check_api_csrf(request, user)
    return StatusOut(id=task_id, status=await actions.change_status(hub, user, task_id, True))


@post(
    "/requests/{task_id:int}/reopen",
    operation_id="portalApiReopen",
    status_code=200,
    guards=[signed_in],
)
async def reopen(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], task_id: FromPath[int]
) -> StatusOut:
    """Reopen a resolved request."""
    user = await require_user(request)
    await access.visible_task(user, task_id)
    check_api_csrf(request, user)
    return StatusOut(id=task_id, status=await actions.change_status(hub, user, task_id, False))


@get("/requests/{task_id:int}/files/{sha256:str}", operation_id="portalApiFile", guards=[signed_in])
async def download(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    task_id: FromPath[int],
    sha256: FromPath[str],
) -> Response[bytes]:
    """A file of the request's public conversation, as a download."""
    user = await require_user(request)
    ref, data = await actions.attachment(hub, user, task_id, sha256)
    return file_response(hub, ref.filename, data)


REQUESTS_API = [list_requests, submit, submission, get_request, reply, resolve, reopen, download]
