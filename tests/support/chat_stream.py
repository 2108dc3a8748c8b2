"""An ordinary Open WebUI user chatting through Open WebUI in a background thread: the load the
rotation tests keep up while the key changes, and `benchmarks/openwebui_save_race.py` uses to
show what Open WebUI itself does on a connection save."""

from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import dataclass, field

from gtwizard.openwebui.admin import OpenWebUIAdmin
from support.owui_fixture import OpenWebUI
from support.rotation_helpers import NAMES


@dataclass
class ChatStream:
    """An ordinary user chatting through Open WebUI in a background thread until stopped."""

    owui: OpenWebUI
    admin_token: str = field(repr=False)
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    # Open WebUI 0.12.4 empties its in-memory model table on every connection save
    # (routers/openai.py clear_models_cache); a chat in flight at that instant gets a 400
    # "Model not found" (or a KeyError naming the model) from Open WebUI itself, before any
    # upstream call. Those are counted apart, and bounded by the number of saves.
    cache_blips: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _first: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> ChatStream:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._loop()), daemon=True)
        self._thread.start()
        assert self._first.wait(120), f"no chat completed: {self.failures[:3]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(120)

    async def _loop(self) -> None:
        email = f"stream-{uuid.uuid4().hex[:8]}@owui.test"
        async with OpenWebUIAdmin(self.owui.url, self.admin_token) as admin:
            user_id = await admin.add_user("Stream User", email, "stream-pass-1")
            try:
                async with OpenWebUIAdmin(self.owui.url) as user:
                    await user.signin(email, "stream-pass-1")
                    turn = 0
                    while not self._stop.is_set():
                        model = NAMES[turn % len(NAMES)]
                        turn += 1
                        try:
                            answer = await user.chat(model, f"turn {turn}", stream=turn % 2 == 0)
                            assert answer.text, "empty answer"
                            self.ok += 1
                            self._first.set()
                        except Exception as exc:  # every failure counts, whatever it is
                            text = f"{model}: {exc}"
                            if _model_table_race(exc, model):
                                self.cache_blips.append(text)
                            else:
                                self.failures.append(text)
            finally:
                await admin.delete_user(user_id)
            self._first.set()

    def settle(self, more: int = 3) -> None:
        """Let a few more chats complete after a change (the stream must keep working)."""
        target = self.ok + more
        for _ in range(600):
            if self.ok >= target or self.failures:
                return
            self._stop.wait(0.1)


def _model_table_race(exc: Exception, model: str) -> bool:
    """Open WebUI's own 400 when its model table was emptied mid-request (see ChatStream)."""
    status = getattr(exc, "status", 0)
    text = str(exc)
    return status == 400 and ("Model not found" in text or f"'{model}'" in text)
