"""The baseline: a bare Litestar msgspec POST/GET endpoint on uvicorn, nothing else."""

from __future__ import annotations

import sys

import msgspec
import uvicorn
from litestar import Litestar, get, post
from litestar.params import JSONBody


class Item(msgspec.Struct):
    customer_id: int
    title: str
    priority: str = "normal"


class Stored(msgspec.Struct):
    id: int
    customer_id: int
    title: str
    priority: str


_counter = [0]


@post("/items")
async def create(data: JSONBody[Item]) -> Stored:
    _counter[0] += 1
    return Stored(
        id=_counter[0], customer_id=data.customer_id, title=data.title, priority=data.priority
    )


@get("/items")
async def listing() -> list[Stored]:
    return [Stored(id=i, customer_id=1, title=f"t{i}", priority="normal") for i in range(50)]


app = Litestar([create, listing])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
