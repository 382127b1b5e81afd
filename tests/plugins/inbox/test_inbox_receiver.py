"""The SMTP receiver's promises: no open relay (550), size limit (552), 451 while NATS is
down, 250 only once JetStream holds the mail; the sisimai bounces through SMTP; swaks."""

from __future__ import annotations

import asyncio
import re
import shutil
import smtplib
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from inbox_helpers import deliver, mail, rows, send_raw, smtp_port, wait_for

from hub.bus import Bus
from hub.db.tables import Task
from hub.files import ContentStore
from hub.runtime import Hub
from plugins.inbox.config import InboxSettings
from plugins.inbox.receiver import intake_key, start_receiver
from plugins.inbox.tables import Outbox


async def test_no_open_relay_size_limit_and_451_while_nats_is_down() -> None:
    down = Bus("nats://127.0.0.1:1")  # never connected: JetStream cannot ack
    cfg = InboxSettings(accept_addresses=["support@msp.example"], max_message_bytes=2048)
    server = await start_receiver(down, cfg, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    raw = mail("a@b.example", "hi", "hello").as_bytes()

    def talk() -> dict[str, Any]:
        out: dict[str, Any] = {}
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.ehlo("x")
            c.mail("a@b.example")
            out["relay"] = c.rcpt("victim@elsewhere.example")[0]
            out["plus"] = c.rcpt("support+t1.abc@msp.example")[0]
            out["data"] = c.data(raw)[0]
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.ehlo("x")
            c.mail("a@b.example")
            c.rcpt("support@msp.example")
            out["big"] = c.data(b"Subject: big\r\n\r\n" + b"y" * 4096)[0]
        return out

    try:
        codes = await asyncio.to_thread(talk)
    finally:
        server.close()
    assert codes == {"relay": 550, "plus": 250, "data": 451, "big": 552}


def test_intake_key_is_message_id_else_raw_hash() -> None:
    assert (
        intake_key(b"Message-ID:\r\n <abc@x.example>\r\nSubject: s\r\n\r\nbody") == "abc@x.example"
    )
    raw = b"Subject: s\r\n\r\nMessage-ID: <in-body@x>"
    assert intake_key(raw).startswith("sha256:") and len(intake_key(raw)) == 71


async def test_sisimai_bounces_and_auto_replies_make_no_task_and_no_reply(
    hub: Hub, corpora: Path
) -> None:
    maildir = corpora / "mail" / "sisimai-set-of-emails" / "maildir" / "bsd"
    files = sorted(p for p in maildir.glob("*.eml") if p.stat().st_size > 0)
    assert len(files) > 500
    port = smtp_port(hub)

    def push(chunk: list[Path]) -> list[int]:
        codes = []
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as c:
            c.ehlo("x")
            for path in chunk:
                c.mail("mailer-daemon@bounce.example")
                c.rcpt("support@msp.example")
                codes.append(c.data(path.read_bytes())[0])
        return codes

    # smtplib sends CRLF lines and a final CRLF: derive the keys the receiver will see
    keys = set()
    for path in files:
        raw = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", path.read_bytes())
        keys.add(intake_key(raw if raw.endswith(b"\r\n") else raw + b"\r\n"))
    chunks = [files[i::4] for i in range(4)]
    results = await asyncio.gather(*(asyncio.to_thread(push, c) for c in chunks))
    assert all(code == 250 for codes in results for code in codes)

    async def done() -> list[dict[str, Any]] | None:
        found = await rows()
        return found if len(found) >= len(keys) else None

    await wait_for(done, timeout=120, what="sisimai rows")
    await asyncio.sleep(1.0)
    found = await rows()
    statuses: dict[str, int] = {}
    for row in found:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    # some files are the same message (same Message-ID): one row per message
    # (keys of mail without a Message-ID hash the bytes as received: compare the count)
    with_ids = {k for k in keys if not k.startswith("sha256:")}
    assert with_ids <= {r["intake_key"] for r in found} and len(found) == len(keys)
    assert set(statuses) == {"noise"}, statuses
    assert await Task.count() == 0
    assert await Outbox.count() == 0


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
async def test_swaks_delivers_into_the_inbox(hub: Hub) -> None:
    port = smtp_port(hub)
    proc = await asyncio.create_subprocess_exec(
        "swaks", "--server", f"127.0.0.1:{port}", "--to", "support@msp.example",
        "--from", "swaks@client.example", "--header", "Subject: from swaks",
        "--body", "Hello from swaks.", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    found = await wait_for(lambda: rows(status="inbox"), what="swaks mail")
    assert found[0]["subject"] == "from swaks" and found[0]["body"].strip() == "Hello from swaks."


async def test_atlas_hub_smtp_edge_process_feeds_the_hub(hub: Hub, tmp_path: Path) -> None:
    from hub.nats_server import free_port

    port = free_port()
    exe = Path(sys.executable).parent / "atlas-hub"  # works without an activated venv
    proc = await asyncio.create_subprocess_exec(
        str(exe), "smtp", "--home", str(tmp_path / "edge"), "--nats-url", hub.nats_url,
        "--smtp", f"127.0.0.1:{port}", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:

        async def listening() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                return False
            writer.close()
            return True

        await wait_for(listening, what="edge receiver")
        raw = mail("edge@client.example", "via edge", "hello").as_bytes()

        async def accepted() -> bool:
            code, _ = await asyncio.to_thread(
                send_raw, port, raw, sender="edge@client.example", rcpts=["support@msp.example"]
            )
            return code == 250  # 451 until the edge has connected to NATS

        await wait_for(accepted, what="250 from the edge")
        found = await wait_for(lambda: rows(status="inbox"), what="edge mail in the hub")
        assert found[0]["subject"] == "via edge"
    finally:
        proc.terminate()
        await proc.wait()
    assert await deliver(hub, mail("x@y.example", "direct", "still fine")) == 250


@pytest.mark.parametrize(
    "arg",
    [
        "",
        "<ann@acme.example>",
        "<ann@acme.example> SIZE=1000 BODY=8BITMIME",
        "ann@acme.example",
        "<>",
        "<@relay.example:ann@acme.example>",
        '<"odd name"@acme.example>',
        "<ann@acme.example",
        "not an address",
        "<" + "a" * 65 + "@acme.example>",
        "<ünïcode@acme.example> SMTPUTF8",
    ],
)
def test_the_receivers_address_parser_answers_like_aiosmtpds(arg: str) -> None:
    from aiosmtpd.smtp import SMTP

    from plugins.inbox.receiver import ReceiverProtocol

    ours = ReceiverProtocol(None, line_length_limit=4096)
    theirs = SMTP(None)
    assert ours._getaddr(arg) == theirs._getaddr(arg)
    assert ours.line_length_limit == 4096


async def test_a_mail_of_several_megabytes_is_accepted_and_stored(hub: Hub) -> None:
    # nats-server takes 1 MiB by default; mail with attachments is often bigger
    msg = mail("big@acme.example", "logs attached", "See the attached logs.")
    payload = bytes(range(256)) * (12 * 1024)  # 3 MiB, base64 on the wire: ~4 MiB
    msg.add_attachment(payload, maintype="application", subtype="octet-stream", filename="l.bin")
    assert await deliver(hub, msg) == 250
    found = await wait_for(lambda: rows(subject="logs attached"), what="the big mail")
    attachments = msgspec.json.decode(found[0]["attachments"])
    assert [(a["filename"], a["size"]) for a in attachments] == [("l.bin", len(payload))]
    stored = ContentStore(hub.settings.files_dir).open(attachments[0]["sha256"])
    assert stored == payload


async def test_mail_over_the_bus_limit_gets_a_permanent_552(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub import nats_server
    from hub.bus_groups import HEADER_ROOM

    monkeypatch.setattr(nats_server, "MAX_PAYLOAD", 64 * 1024)
    server = nats_server.EmbeddedNats(tmp_path / "nats")
    bus = Bus(await server.start())
    await bus.connect()
    cfg = InboxSettings(accept_addresses=["support@msp.example"])
    receiver = await start_receiver(bus, cfg, "127.0.0.1", 0)
    port = receiver.sockets[0].getsockname()[1]
    small = mail("a@b.example", "small", "x" * 1000).as_bytes()
    big = mail("a@b.example", "big", "y" * (64 * 1024)).as_bytes()
    try:
        ok = await asyncio.to_thread(
            send_raw, port, small, sender="a@b.example", rcpts=["support@msp.example"]
        )
        refused = await asyncio.to_thread(
            send_raw, port, big, sender="a@b.example", rcpts=["support@msp.example"]
        )
    finally:
        receiver.close()
        await bus.close()
        await server.stop()
    assert ok[0] == 250
    assert refused[0] == 552 and str(64 * 1024 - HEADER_ROOM).encode() in refused[1]


async def test_grouped_mail_is_recorded_once_each_and_a_bad_envelope_is_kept(hub: Hub) -> None:
    from hub.bus_groups import H_BATCH
    from plugins.inbox.receiver import SUBJECT

    bus = hub.bus_required
    raws = [mail(f"g{i}@acme.example", f"grouped {i}", "body").as_bytes() for i in range(12)]

    async def publish_all() -> None:
        await asyncio.gather(*[bus.publish_grouped(SUBJECT, r, key=intake_key(r)) for r in raws])

    await publish_all()
    group = bus._groups[SUBJECT]
    assert group.messages < group.items  # they did share writes
    await publish_all()  # the same mail again (a sender retrying): nothing new
    # an envelope that does not decode reaches intake as unknown bytes: kept, not dropped
    await bus.publish_durable(SUBJECT, b"\xc1 not msgpack", headers={H_BATCH: "3"})

    async def all_there() -> list[dict[str, Any]]:
        found = await rows()
        return found if len(found) >= 13 else []

    await wait_for(all_there, what="grouped mail and the bad envelope")
    await asyncio.sleep(0.5)  # nothing more arrives
    found = await rows()
    subjects = sorted(r["subject"] for r in found if r["subject"])
    assert subjects == sorted(f"grouped {i}" for i in range(12))
    assert [r["status"] for r in found if not r["subject"]] == ["quarantined"]
