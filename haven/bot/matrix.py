"""The bot's Matrix side: joins the chats people open with it, hands their messages to the front
door, sends its replies, and passes the volunteers' answers on; it also tells the organisation's
members who chose Matrix what waits for them (counts alone), in a direct chat it opens with each.

It speaks the client-server API through matrix-nio, with end-to-end encryption (vodozemac) in the
chats that have it turned on; its keys live in nio's store, pickled under a key derived from the
pepper (see docs/bot.md). Everything it does with Haven's data runs in one worker thread through
the services, as a web request would.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientError
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections
from django.utils import timezone
from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LocalProtocolError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    MessageDirection,
    RoomCreateResponse,
    RoomEncryptedMedia,
    RoomMessageEmote,
    RoomMessageMedia,
    RoomMessageNotice,
    RoomMessagesResponse,
    RoomMessageText,
    RoomMessageUnknown,
    RoomPreset,
    RoomSendResponse,
    SendRetryError,
    StickerEvent,
    SyncResponse,
)

from haven.bot.conversation import FrontDoor
from haven.bot.replies import Reply, greeting, one_to_one_only
from haven.bot.services import conversations_forget_stale
from haven.notifications.services import matrix_due, matrix_sent

logger = logging.getLogger(__name__)
# The device this bot logs in as, the same at every start so the homeserver keeps one.
DEVICE_ID = "HAVENBOT"
# Each sync brings up to this many events of a room; beyond it the gap is fetched page by page,
# up to GAP_MOST events (a flood beyond that is over any person's budget anyway).
SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}
GAP_MOST = 2000
ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


def _in_database[Result](function: Callable[..., Result], /, **arguments: Any) -> Result:
    close_old_connections()
    return function(**arguments)


async def _db[Result](function: Callable[..., Result], /, **arguments: Any) -> Result:
    """Run a front-door call in the one thread that touches the database."""
    return await sync_to_async(_in_database, thread_sensitive=True)(function, **arguments)


class MatrixBot:
    """One Matrix account answering for one organisation's front door."""

    def __init__(
        self,
        *,
        front_door: FrontDoor,
        homeserver: str,
        user: str,
        password: str,
        sync_token_file: Path,
        poll_seconds: float,
        key_store: Path,
        key_store_passphrase: str,
    ) -> None:
        self.front_door = front_door
        key_store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            homeserver,
            user,
            device_id=DEVICE_ID,
            store_path=str(key_store),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=False,
                pickle_key=key_store_passphrase,
            ),
        )
        # Rooms joined and not yet greeted: the greeting waits until a sync lists the room, so
        # the bot knows whether it is encrypted and who is in it. True for a room of more than two.
        self._to_greet: dict[str, bool] = {}
        self._password = password
        self._token_file = sync_token_file
        self._poll_seconds = poll_seconds
        self._last_poll = 0.0
        self._last_cleanup = 0.0
        # The direct room the bot opened for a member's notifications, by their Matrix id; kept
        # in memory only: after a restart the first sync's full state lists the rooms again, and
        # the room the bot and the member alone are in is found among them.
        self._notice_rooms: dict[str, str] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Log in, then answer until `stop` is set."""
        login = await self.client.login(self._password, device_name="Haven")
        if not isinstance(login, LoginResponse):
            raise RuntimeError(f"the homeserver refused the bot's login: {login}")
        # Publish the device's keys at once, so that people's clients can encrypt to it.
        await self._keys()
        since = self._saved_token()
        # After a restart the first sync brings every joined room's full state, as the first
        # start's does: the client then knows the rooms it was in (the members' notice rooms
        # among them) and who is in each, not only the rooms with something new since.
        full_state = since is not None
        if since is None:
            # The first start: what was said before the bot existed is not for it.
            first = await self.client.sync(timeout=0, full_state=True)
            if isinstance(first, SyncResponse):
                await self._invites(first)
                since = first.next_batch
                self._save_token(since)
        try:
            while not stop.is_set():
                response = await self.client.sync(
                    timeout=int(self._poll_seconds * 1000),
                    since=since,
                    full_state=full_state,
                    sync_filter=SYNC_FILTER,
                )
                if not isinstance(response, SyncResponse):
                    logger.warning("the homeserver did not answer a sync: %s", response)
                    await asyncio.sleep(self._poll_seconds)
                    continue
                full_state = False
                await self._keys()
                await self._invites(response)
                await self._greet()
                for room_id, joined in response.rooms.join.items():
                    room = self.client.rooms.get(room_id)
                    if room is None:
                        continue
                    events = list(joined.timeline.events)
                    if joined.timeline.limited and joined.timeline.prev_batch:
                        events = (
                            await self._gap(room_id, joined.timeline.prev_batch, since) + events
                        )
                    for event in events:
                        await self._event(room, event)
                since = response.next_batch
                self._save_token(since)
                await self._poll()
        finally:
            await self.client.close()
            # The database thread's connection ends with the bot, not with the process.
            await _db(connections.close_all)

    async def _gap(self, room_id: str, before: str, since: str | None) -> list[Any]:
        """The events a limited sync left out (a burst, or what came while the bot was down),
        oldest first, fetched back to where the last sync ended, so no message is lost."""
        missed: list[Any] = []
        start: str | None = before
        while start and len(missed) < GAP_MOST:
            page = await self.client.room_messages(
                room_id, start=start, end=since, direction=MessageDirection.back, limit=100
            )
            if not isinstance(page, RoomMessagesResponse) or not page.chunk:
                break
            missed.extend(page.chunk)
            start = page.end if page.end != start else None
        missed.reverse()
        return missed

    def _saved_token(self) -> str | None:
        try:
            return self._token_file.read_text().strip() or None
        except FileNotFoundError:
            return None

    def _save_token(self, token: str) -> None:
        # The homeserver's stream position, not personal: kept so that a restart picks up what
        # was sent while the bot was down instead of losing it.
        self._token_file.parent.mkdir(parents=True, exist_ok=True)
        self._token_file.write_text(token)

    async def _keys(self) -> None:
        """Keep the encryption keys current: publish the device's, learn the people's devices,
        and claim their one-time keys, as any Matrix client does between syncs."""
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            users = self.client.get_users_for_key_claiming()
            if users:
                await self.client.keys_claim(users)

    async def _invites(self, response: SyncResponse) -> None:
        for room_id, invited in response.rooms.invite.items():
            members = {
                event.state_key
                for event in invited.invite_state
                if isinstance(event, InviteMemberEvent) and event.membership in ("join", "invite")
            }
            await self.client.join(room_id)
            self._to_greet[room_id] = len(members - {self.client.user_id}) > 1

    async def _greet(self) -> None:
        for room_id, crowded in list(self._to_greet.items()):
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            del self._to_greet[room_id]
            if crowded or room.member_count > 2:
                await self._say(room_id, Reply(one_to_one_only()))
                await self.client.room_leave(room_id)
                continue
            await self._say(room_id, Reply(greeting(encrypted=room.encrypted)))

    async def _event(self, room: MatrixRoom, event: object) -> None:
        sender = getattr(event, "sender", "")
        if not sender or sender == self.client.user_id:
            return
        if room.member_count > 2:
            await self._say(room.room_id, Reply(one_to_one_only()))
            return
        if isinstance(event, RoomMessageText | RoomMessageNotice | RoomMessageEmote):
            outcome = await _db(
                self.front_door.receive, user_id=sender, text=event.body, event_id=event.event_id
            )
            for event_id in outcome.redact:
                await self.client.room_redact(room.room_id, event_id)
            for reply in outcome.replies:
                await self._send(room.room_id, sender, reply)
        elif isinstance(event, MegolmEvent | RoomEncryptedMedia):
            for reply in await _db(self.front_door.unreadable, user_id=sender):
                await self._say(room.room_id, reply)
        elif isinstance(event, RoomMessageMedia | RoomMessageUnknown | StickerEvent):
            for reply in await _db(self.front_door.attachment, user_id=sender):
                await self._say(room.room_id, reply)

    async def _send(self, room_id: str, user_id: str, reply: Reply) -> bool:
        event_id = await self._say(room_id, reply)
        if event_id and reply.secret:
            await _db(self.front_door.codename_shown, user_id=user_id, event_id=event_id)
        return event_id is not None

    async def _say(self, room_id: str, reply: Reply) -> str | None:
        try:
            # The bot cannot verify a person's devices (nio has no cross-signing), so it encrypts
            # to every device their homeserver lists for them (docs/bot.md says what that means).
            response = await self.client.room_send(
                room_id,
                "m.room.message",
                {"msgtype": "m.text", "body": reply.text},
                ignore_unverified_devices=True,
            )
        except (LocalProtocolError, SendRetryError) as error:
            logger.warning("a reply could not be sent: %s", type(error).__name__)
            return None
        if isinstance(response, RoomSendResponse):
            return str(response.event_id)
        logger.warning("a reply could not be sent: %s", type(response).__name__)
        return None

    async def _poll(self) -> None:
        """Pass on the volunteers' new answers, to every person in a chat with the bot."""
        now = time.monotonic()
        if now - self._last_poll < self._poll_seconds:
            return
        self._last_poll = now
        for room in list(self.client.rooms.values()):
            others = [user for user in room.users if user != self.client.user_id]
            if not others:
                # The person left: so does the bot, and the homeserver keeps less.
                await self.client.room_leave(room.room_id)
                continue
            if len(others) != 1:
                continue
            replies, last = await _db(self.front_door.news, user_id=others[0])
            if not replies:
                continue
            delivered = True
            for reply in replies:
                delivered = await self._send(room.room_id, others[0], reply) and delivered
            if delivered:
                await _db(self.front_door.news_delivered, user_id=others[0], number=last)
        await self._notify()
        if now - self._last_cleanup > 3600:
            self._last_cleanup = now
            await _db(conversations_forget_stale)

    async def _notify(self) -> None:
        """Tell the organisation's members who chose Matrix what waits for them: the e-mail's
        counts text, in a direct room with each, on the notifications' own cadence and back-off
        (haven/notifications/services.py decides who is due and records the outcome)."""
        now = timezone.now()
        due = await _db(matrix_due, organisation_id=self.front_door.organisation.pk, now=now)
        for notice in due:
            room_id = await self._direct_room(notice.user_id)
            if room_id is not None and room_id not in self.client.rooms:
                # Opened just now: it goes once a sync has listed the room (next poll).
                continue
            delivered = room_id is not None and await self._say(room_id, Reply(notice.text))
            await _db(matrix_sent, notice=notice, delivered=bool(delivered), now=now)

    async def _direct_room(self, user_id: str) -> str | None:
        """The room the bot and this member alone are in (the member joined or invited), or a
        new one it opens and invites them to; None if the homeserver refused to open it."""
        known = self._notice_rooms.get(user_id)
        if known is not None:
            room = self.client.rooms.get(known)
            if room is None or user_id in room.users:
                return known
            del self._notice_rooms[user_id]  # they left it: open another
        for room in self.client.rooms.values():
            if set(room.users) == {self.client.user_id, user_id}:
                self._notice_rooms[user_id] = room.room_id
                return room.room_id
        encrypted = await self._has_devices_with_keys(user_id)
        created = await self.client.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[user_id],
            initial_state=[ENCRYPTION] if encrypted else [],
        )
        if not isinstance(created, RoomCreateResponse):
            logger.warning(
                "a room for a notification could not be opened: %s", type(created).__name__
            )
            return None
        self._notice_rooms[user_id] = created.room_id
        return created.room_id

    async def _has_devices_with_keys(self, user_id: str) -> bool:
        """Whether the member has a device that takes end-to-end encryption (one that published
        its keys); then the room is encrypted. When the homeserver does not say, it is too."""
        method, path, data = Api.keys_query(self.client.access_token, {user_id})
        try:
            response = await self.client.send(method, path, data)
            body = json.loads(await response.text())
        except (ClientError, TimeoutError, ValueError):
            return True
        devices = body.get("device_keys", {}).get(user_id) if isinstance(body, dict) else None
        return devices is None or bool(devices)
