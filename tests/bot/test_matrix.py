"""The bot on a real homeserver: Synapse on loopback, the bot running as `haven bot` runs it, and
people with their own Matrix accounts who open a chat with it and type, as a person would.

Synapse is installed once into var/test/synapse-venv (see tests/bot/synapse.py). Where it cannot
be installed the tests are skipped with the reason, except under CI=true, where they fail.
"""

import asyncio
import io
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation
from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    RedactedEvent,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomMessageText,
    SyncResponse,
    UploadResponse,
)

from haven.accounts.models import Organisation
from haven.bot import matrix
from haven.bot.conversation import FrontDoor
from haven.bot.matrix import SYNC_FILTER, MatrixBot
from haven.bot.services import key_store_passphrase
from haven.cases.lifecycle import case_triage
from haven.cases.models import Case
from haven.cases.reveal import case_reveal
from haven.intake.services import Accepted
from haven.messaging.services import message_to_requester, thread_for_staff
from haven.notifications.models import Channel, Kind, Notice, Topic
from haven.notifications.services import channel_set
from haven.notifications.text import compose
from haven.volunteers.placements import placement_confirm
from tests.bot import synapse
from tests.conftest import Persona, keyring_of, small_jpeg
from tests.notifications.test_email import STORY, _offer

pytestmark = pytest.mark.django_db(transaction=True)
BOT_PASSWORD = "bot-password-" + "x" * 12
ENCRYPTION = {"algorithm": "m.megolm.v1.aes-sha2"}
WAIT = 30.0


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[synapse.Homeserver]:
    try:
        server = synapse.start(tmp_path_factory.mktemp("synapse"))
    except synapse.SynapseUnavailable as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Synapse is not available here: {error}")
    print(  # the figures the docs quote
        f"\nSynapse: install {server.install_seconds:.1f} s, start {server.start_seconds:.1f} s"
    )
    yield server
    server.stop()


class Loop:
    """An event loop in a thread of its own, for a Matrix client the test drives step by step."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run[Result](self, coroutine: Coroutine[Any, Any, Result], timeout: float = WAIT) -> Result:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


_SHARED: list[Loop] = []


def shared_loop() -> Loop:
    """The one event loop every Matrix client of this process runs on, the bot's and the
    people's: matrix-nio's key store binds its tables for the length of each call, so clients
    whose calls overlap in two threads unbind each other's mid-query."""
    if not _SHARED:
        _SHARED.append(Loop())
    return _SHARED[0]


class MatrixPerson:
    """Someone with a Matrix account of their own, in a direct chat with the bot."""

    def __init__(
        self, server: synapse.Homeserver, name: str, keys: Path, *, encryption: bool = True
    ) -> None:
        self.password = f"{name}-password-{secrets.token_hex(4)}"
        self.user_id = server.register(name, self.password)
        self.loop = shared_loop()
        keys.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            server.url,
            self.user_id,
            device_id="PHONE",
            store_path=str(keys),
            config=AsyncClientConfig(encryption_enabled=encryption, pickle_key="person's own"),
        )
        login = self.loop.run(self.client.login(self.password))
        assert isinstance(login, LoginResponse), login
        self.since: str | None = None
        self.room_id = ""
        self.heard: list[tuple[str, str]] = []  # (event id, text) from the bot, in order
        self.transcript: list[str] = []
        self._sync()

    def open_chat(self, bot_user: str, *, encrypted: bool) -> None:
        """Start a direct chat with the bot, as a client's "new chat" does (Element encrypts
        direct chats by default)."""
        state = [{"type": "m.room.encryption", "state_key": "", "content": ENCRYPTION}]
        created = self.loop.run(
            self.client.room_create(
                is_direct=True, invite=[bot_user], initial_state=state if encrypted else ()
            )
        )
        assert isinstance(created, RoomCreateResponse), created
        self.room_id = created.room_id

    def accept_invitation(self, timeout: float = WAIT) -> None:
        """Wait for the bot to invite this person to a direct chat, and join it, as a person
        tapping "accept" does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.loop.run(
                self.client.sync(timeout=500, since=self.since, sync_filter=SYNC_FILTER)
            )
            assert isinstance(response, SyncResponse), response
            self.since = response.next_batch
            self.loop.run(self._keys())
            for room_id in response.rooms.invite:
                assert isinstance(self.loop.run(self.client.join(room_id)), JoinResponse)
                self.room_id = room_id
                return
        raise AssertionError("the bot invited this person to no chat")

    def _sync(self) -> list[tuple[str, str]]:
        response = self.loop.run(
            self.client.sync(timeout=500, since=self.since, sync_filter=SYNC_FILTER)
        )
        assert isinstance(response, SyncResponse), response
        self.since = response.next_batch
        self.loop.run(self._keys())
        new = []
        joined = response.rooms.join.get(self.room_id)
        if joined is not None:
            for event in joined.timeline.events:
                if isinstance(event, RoomMessageText) and event.sender != self.user_id:
                    new.append((event.event_id, event.body))
                    self.transcript.append("bot:    " + event.body.replace("\n", "\n        "))
        self.heard.extend(new)
        return new

    async def _keys(self) -> None:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys and (users := self.client.get_users_for_key_claiming()):
            await self.client.keys_claim(users)

    def say(self, text: str) -> None:
        self.transcript.append(f"person: {text if len(text) < 200 else text[:20] + '…'}")
        self.loop.run(
            self.client.room_send(
                self.room_id,
                "m.room.message",
                {"msgtype": "m.text", "body": text},
                ignore_unverified_devices=True,
            )
        )

    def send_photo(self) -> None:
        photo = small_jpeg()
        uploaded, _keys = self.loop.run(
            self.client.upload(
                io.BytesIO(photo), content_type="image/jpeg", filename="p.jpg", filesize=len(photo)
            )
        )
        assert isinstance(uploaded, UploadResponse), uploaded
        self.transcript.append("person: [a photo, p.jpg]")
        self.loop.run(
            self.client.room_send(
                self.room_id,
                "m.room.message",
                {"msgtype": "m.image", "body": "p.jpg", "url": uploaded.content_uri},
                ignore_unverified_devices=True,
            )
        )

    def hear(self, *wanted: str, timeout: float = WAIT) -> str:
        """Wait until the bot has said something holding every `wanted` text; return all it said
        since the last call."""
        said: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            said.extend(text for _event, text in self._sync())
            joined = "\n".join(said)
            if all(part in joined for part in wanted):
                return joined
        raise AssertionError(f"the bot did not say {wanted!r}; it said: {said!r}")

    def ask(self, text: str, *wanted: str) -> str:
        self.say(text)
        return self.hear(*wanted)

    def event_was_redacted(self, event_id: str) -> bool:
        response = self.loop.run(self.client.room_get_event(self.room_id, event_id))
        assert isinstance(response, RoomGetEventResponse), response
        return isinstance(response.event, RedactedEvent)

    def close(self) -> None:
        self.loop.run(self.client.close())


@contextmanager
def _running_bot(
    homeserver: synapse.Homeserver, organisation: Organisation, user_id: str, token_file: Path
) -> Iterator[None]:
    """`haven bot` for the organisation, running on the homeserver inside the block."""
    runner = MatrixBot(
        front_door=FrontDoor(organisation=organisation),
        homeserver=homeserver.url,
        user=user_id,
        password=BOT_PASSWORD,
        sync_token_file=token_file,
        poll_seconds=0.5,
        key_store=token_file.parent / "bot-keys",
        key_store_passphrase=key_store_passphrase(),
    )
    loop = shared_loop()
    stop = asyncio.Event()
    running = asyncio.run_coroutine_threadsafe(runner.run(stop), loop.loop)
    time.sleep(1.0)
    if running.done():
        running.result()  # the bot failed to start: show why
    try:
        yield
    finally:
        loop.loop.call_soon_threadsafe(stop.set)
        running.result(WAIT)


def _bot_account(homeserver: synapse.Homeserver) -> str:
    return homeserver.register(f"haven{secrets.token_hex(3)}", BOT_PASSWORD)


@pytest.fixture
def bot(
    homeserver: synapse.Homeserver, organisation: Organisation, tmp_path: Path
) -> Iterator[str]:
    """The bot, running while the test lasts; yields its Matrix user id."""
    user_id = _bot_account(homeserver)
    with _running_bot(homeserver, organisation, user_id, tmp_path / "sync-token"):
        yield user_id


@pytest.fixture
def people(homeserver: synapse.Homeserver, tmp_path: Path) -> Iterator[Callable[..., MatrixPerson]]:
    made: list[MatrixPerson] = []

    def make(name: str, *, encryption: bool = True) -> MatrixPerson:
        person = MatrixPerson(
            homeserver, f"{name}{secrets.token_hex(3)}", tmp_path / name, encryption=encryption
        )
        made.append(person)
        return person

    yield make
    for person in made:
        person.close()


def _rows_holding(needles: list[str]) -> list[str]:
    """Every table and column of Haven's database where any needle appears in plaintext."""
    found = []
    encoded = [needle.encode() for needle in needles]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  # table names from the database itself
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    data = bytes(value) if isinstance(value, bytes | memoryview) else str(value)
                    haystack = data if isinstance(data, bytes) else data.encode()
                    if any(needle in haystack for needle in encoded):
                        found.append(f"{table}.{column}")
    return found


def _homeserver_holds(server: synapse.Homeserver, needles: dict[str, str]) -> list[str]:
    """Which of the needles Synapse's own database files hold in plaintext."""
    data = b"".join(
        path.read_bytes() for path in server.directory.glob("homeserver.db*") if path.is_file()
    )
    return [label for label, needle in needles.items() if needle.encode() in data]


def _codename_in(said: str) -> str:
    """The seven words of the bot's "your request is sent" message, in either language."""
    for paragraph_start in ("Your request is sent", "Ваша заявка отправлена"):
        if paragraph_start in said:
            return said.split(paragraph_start, 1)[1].split("\n\n")[1]
    raise AssertionError(f"no codename in {said!r}")


def test_a_request_in_english_through_the_bot_reaches_the_desk_and_answers_come_back(
    homeserver: synapse.Homeserver,
    bot: str,
    people: Callable[[str], MatrixPerson],
    coordinator: Persona,
) -> None:
    lena = people("lena")
    lena.open_chat(bot, encrypted=True)
    first = lena.hear("This chat is end-to-end encrypted", "1 — Русский")
    assert "сквозным шифрованием" in first and "not end-to-end" not in first
    lena.ask("2", "What do you need?")
    lena.ask("1 2", "Where are you now?")
    lena.ask("Tbilisi", "Noted: Tbilisi, Georgia", "How many people need a place to stay")
    lena.ask("2", "How urgent is it?")
    lena.ask("1", "How can the volunteers reach you?")
    contact = f"signal:lena.{secrets.token_hex(4)}"
    lena.ask(contact, "Your request:", "1 — send it")
    said = lena.ask("1", "Your request is sent", "Write to them here")
    codename = _codename_in(said)
    assert len(codename.split()) == 7
    codename_event = next(event for event, text in lena.heard if codename in text)

    case = Case.objects.get()
    assert case.place == "ge-tbilisi" and case.need_shelter and case.need_legal
    story = f"Crossed at Upper Lars {secrets.token_hex(4)}"
    lena.ask(story, "Passed on to the volunteers.")
    assert lena.event_was_redacted(codename_event)

    case_triage(actor=coordinator.member, case=case, decision="accept")
    answer = f"A bed tonight at the church {secrets.token_hex(3)}"
    message_to_requester(
        actor=coordinator.member, keyring=keyring_of(coordinator), case=case, text=answer
    )
    assert answer in lena.hear("From the volunteers:", answer)
    reply = f"Thank you, I will come {secrets.token_hex(3)}"
    lena.ask(reply, "Passed on to the volunteers.")
    assert "Triaged" in lena.ask("/status", "Your request:")

    keyring = keyring_of(coordinator)
    case_reveal(actor=coordinator.member, keyring=keyring, case=case, reason="answer lena")
    thread = [opened.text for opened in thread_for_staff(keyring=keyring, case=case)]
    assert thread == [story, answer, reply]
    assert _rows_holding([contact, story, reply, answer, codename, lena.user_id]) == []
    print("\n".join(["", "The conversation, as the person's client showed it:", *lena.transcript]))
    # The chat is end-to-end encrypted, so the homeserver's own database has none of the words.
    held = _homeserver_holds(homeserver, {"contact": contact, "story": story, "codename": codename})
    print(f"The homeserver's database holds in plaintext: {', '.join(held) or 'none of them'}")
    assert held == []


def test_a_request_in_russian_and_bad_input_through_the_bot(
    bot: str, people: Callable[[str], MatrixPerson], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One minute's message budget for the whole test, whatever the clock does meanwhile.
    moment = timezone.now().replace(second=5)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    settings.HAVEN_BOT_MESSAGES_PER_MINUTE = 30
    ivan = people("ivan")
    ivan.open_chat(bot, encrypted=False)
    assert "Этот разговор не зашифрован" in ivan.hear("1 — Русский")
    ivan.ask("1", "Что вам нужно?")
    ivan.ask("/погода", "Я не знаю команды /погода", "/status")
    ivan.ask("восемь", "Отправьте номера из списка")
    ivan.ask("3", "Где вы сейчас?")
    ivan.send_photo()
    ivan.hear("только текст", "страницу статуса")
    ivan.ask("Кара", "Какое именно? Отправьте его номер:")
    listed = ivan.ask("0", "Отправьте номер страны")
    armenia = next(line.split(" — ")[0] for line in listed.splitlines() if "Армения" in line)
    places = ivan.ask(armenia, "Ереван")
    yerevan = next(line.split(" — ")[0] for line in places.splitlines() if "Ереван" in line)
    ivan.ask(yerevan, "Записал: Ереван, Армения", "Насколько это срочно?")
    ivan.ask("0", "только через сообщения Haven")
    ivan.ask("0", "Срочность: не указана")
    said = ivan.ask("1", "Ваша заявка отправлена")
    codename = _codename_in(said)
    assert all("а" <= letter <= "я" for word in codename.split() for letter in word)
    case = Case.objects.get()
    assert case.place == "am-yerevan" and case.messages_only and case.need_route

    huge = "я" * 4001
    ivan.ask(huge, "4001", "4000", "не сохранил")
    assert not case.messages.exists()
    burst = [f"сообщение {number}" for number in range(30)]
    for text in burst:
        ivan.say(text)
    said = ivan.hear("быстрее, чем я могу их принять")
    kept = case.messages.count()
    assert 0 < kept < len(burst)
    assert said.count("Передал волонтёрам.") == kept
    assert said.count("быстрее") == 1


def test_what_is_sent_while_the_bot_is_down_is_answered_when_it_is_back(
    homeserver: synapse.Homeserver,
    organisation: Organisation,
    people: Callable[[str], MatrixPerson],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Syncs of two events at most, so the three answers below come as a limited timeline whose
    # gap the bot must fetch.
    monkeypatch.setattr(matrix, "SYNC_FILTER", {"room": {"timeline": {"limit": 2}}})
    user_id = _bot_account(homeserver)
    token = tmp_path / "sync-token"
    mila = people("mila")
    with _running_bot(homeserver, organisation, user_id, token):
        mila.open_chat(user_id, encrypted=True)
        mila.hear("1 — Русский")
        mila.ask("en", "What do you need?")
    mila.say("4")
    mila.say("Yerevan")
    mila.say("0")
    mila.say("0")
    with _running_bot(homeserver, organisation, user_id, token):
        said = mila.hear(
            "Where are you now?", "Noted: Yerevan, Armenia", "How urgent", "Your request:"
        )
    assert (
        said.index("Where are you now?")
        < said.index("Noted")
        < said.index("How urgent")
        < said.index("How can the volunteers reach you?")
        < said.index("Your request:")
    )
    assert "only through Haven's messages" in said


def _haven_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("HAVEN_")},
        "HAVEN_ENV": "development",
        "HAVEN_DATA_DIR": str(data_dir),
        "HAVEN_MEMBER_KDF": "interactive",
        **extra,
    }


def test_haven_bot_runs_as_a_command_and_stops_on_sigterm(
    homeserver: synapse.Homeserver, people: Callable[[str], MatrixPerson], tmp_path: Path
) -> None:
    data = tmp_path / "install"
    environment = _haven_environment(data)
    command = [sys.executable, "-m", "haven.cli"]
    assert (
        subprocess.run([*command, "migrate", "-v", "0"], env=environment, check=False).returncode
        == 0
    )
    made = subprocess.run(
        [
            *command,
            "org",
            "create",
            "--slug",
            "ark",
            "--name",
            "Ark",
            "--coordinator",
            "anna",
            "--passphrase-file",
            "-",
        ],
        env=environment,
        input="a passphrase of several words\n",
        text=True,
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    user_id = _bot_account(homeserver)
    password_file = tmp_path / "bot-password"
    password_file.write_text(BOT_PASSWORD + "\n")
    bot = subprocess.Popen(
        [*command, "bot", "--poll", "1"],
        env=_haven_environment(
            data,
            HAVEN_BOT_HOMESERVER=homeserver.url,
            HAVEN_BOT_USER=user_id,
            HAVEN_BOT_PASSWORD_FILE=str(password_file),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        nina = people("nina")
        nina.open_chat(user_id, encrypted=True)
        assert "This chat is end-to-end encrypted" in nina.hear("1 — Русский")
        nina.ask("ru", "Что вам нужно?")
    finally:
        bot.send_signal(signal.SIGTERM)
        output, _ = bot.communicate(timeout=WAIT)
    assert bot.returncode == 0, output
    assert f"haven bot: {user_id} on {homeserver.url}, for ark" in output
    assert user_id not in output.split("for ark", 1)[1]  # nothing after the start names anyone
    assert list((data / "bot" / "keys").glob("*.db")) and (data / "bot" / "sync-token").exists()


def test_a_member_on_matrix_is_told_by_count_alone_in_a_direct_chat_with_the_bot(
    homeserver: synapse.Homeserver,
    organisation: Organisation,
    people: Callable[[str], MatrixPerson],
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
    tmp_path: Path,
) -> None:
    hana = people("hana")
    channel_set(actor=host.member, address=hana.user_id, language="en", kind=Kind.MATRIX)
    offer = _offer(host)
    requests = [make_request(story=STORY, group_size=1) for _ in range(3)]
    # Two proposals within one cadence, before the bot's round: one notice tells of both.
    for request in requests[:2]:
        placement_confirm(actor=coordinator.member, case=request.case, offer=offer)
    user_id = _bot_account(homeserver)
    with _running_bot(homeserver, organisation, user_id, tmp_path / "sync-token"):
        hana.accept_invitation()
        said = hana.hear("You have 2 new proposals.")
        with translation.override("en"):
            assert said == compose({Topic.PROPOSAL: 2})[1]  # the e-mail's words, nothing else
        assert not Notice.objects.exists()
        room = hana.client.rooms[hana.room_id]
        assert room.encrypted and set(room.users) == {hana.user_id, user_id}

        # A third proposal inside the cadence waits, in the same room, for the next round.
        placement_confirm(actor=coordinator.member, case=requests[2].case, offer=offer)
        time.sleep(2.0)  # four of the bot's rounds
        assert hana._sync() == []
        assert Notice.objects.count() == 1
        # The cadence passes: the next round tells of it in the same chat.
        Channel.objects.update(last_sent_at=timezone.now() - timedelta(minutes=16))
        due_at = time.monotonic()
        assert hana.hear("You have 1 new proposal.").startswith("You have 1 new proposal.")
        print(f"\nMatrix notice heard {time.monotonic() - due_at:.2f} s after it fell due")
    assert len(hana.heard) == 2
    assert not Notice.objects.exists()

    # The bot restarts: the next notice comes in the chat the member already has, not a new one.
    placement_confirm(actor=coordinator.member, case=make_request(story=STORY).case, offer=offer)
    Channel.objects.update(last_sent_at=timezone.now() - timedelta(minutes=16))
    with _running_bot(homeserver, organisation, user_id, tmp_path / "sync-token"):
        assert hana.hear("You have 1 new proposal.").startswith("You have 1 new proposal.")
    assert len(hana.heard) == 3
    assert hana._sync() == []  # and no invitation to another room
    assert not hana.client.invited_rooms

    # Haven's database has no Matrix id in plaintext; the homeserver has none of the case, nor
    # the counts (the chat is encrypted).
    assert _rows_holding([hana.user_id]) == []
    needles = {"story": STORY, "counts": "new proposal", "host's address": "Абая"}
    for number, request in enumerate(requests):
        needles[f"case {number}"] = str(request.case.pk)
        needles[f"case {number} hex"] = request.case.pk.hex
        needles[f"codename {number}"] = request.codename
    held = _homeserver_holds(homeserver, needles)
    print(f"The homeserver's database holds in plaintext: {', '.join(held) or 'none of them'}")
    assert held == []


def test_a_matrix_notice_the_homeserver_refuses_is_retried_with_back_off(
    homeserver: synapse.Homeserver,
    organisation: Organisation,
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
    tmp_path: Path,
) -> None:
    # An account on another homeserver, which this one (federation off) cannot invite; the
    # address is on loopback, so nothing leaves the machine if it tries.
    nobody = "@nobody:127.0.0.1:9"
    channel_set(actor=host.member, address=nobody, language="en", kind=Kind.MATRIX)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=_offer(host))
    with _running_bot(homeserver, organisation, _bot_account(homeserver), tmp_path / "token"):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not Channel.objects.get().failures:
            time.sleep(0.2)
    channel = Channel.objects.get()
    assert channel.failures == 1 and channel.next_try_at is not None
    assert channel.next_try_at > timezone.now()  # the next try is a minute away
    assert Notice.objects.count() == 1  # nothing waiting is lost


def test_a_member_whose_client_has_no_encryption_is_told_in_a_plain_chat_in_russian(
    homeserver: synapse.Homeserver,
    organisation: Organisation,
    people: Callable[..., MatrixPerson],
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
    tmp_path: Path,
) -> None:
    oleg = people("oleg", encryption=False)  # a client that publishes no device keys
    channel_set(actor=host.member, address=oleg.user_id, language="ru", kind=Kind.MATRIX)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=_offer(host))
    with _running_bot(homeserver, organisation, _bot_account(homeserver), tmp_path / "token"):
        oleg.accept_invitation()
        said = oleg.hear("У вас 1 новое предложение.")
    with translation.override("ru"):
        assert said == compose({Topic.PROPOSAL: 1})[1]
    assert not oleg.client.rooms[oleg.room_id].encrypted
    # Without encryption the homeserver reads the counts, and still nothing of the case.
    assert _homeserver_holds(homeserver, {"counts": "новое предложение"}) == ["counts"]
