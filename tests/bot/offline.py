"""An offline Bot API transport for python-telegram-bot: tests say what Telegram answers."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from telegram.request import BaseRequest, RequestData


class OfflineTransport(BaseRequest):
    """No network: each request is answered by `answer`, which subclasses write."""

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        return self.answer(url.rsplit("/", 1)[-1], params)

    @abstractmethod
    def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """The HTTP status and body Telegram would give for the Bot API method `name`."""
