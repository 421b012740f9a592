"""A case from triage to shredding, in three browsers: the coordinator's, the counselor's and the
requester's (JavaScript off, as Tor Browser at "Safest")."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from haven.cases.models import Case, Status
from haven.intake.services import Accepted
from tests.conftest import Persona, small_jpeg, totp_code

pytestmark = pytest.mark.browser


def _log_in(session: object, persona: Persona, language: str = "en") -> Page:
    page: Page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/{language}/accounts/login/")  # type: ignore[attr-defined]
    page.locator("input[name=handle]").fill(persona.member.handle)
    page.locator("input[name=passphrase]").fill(persona.passphrase)
    page.locator("main button[type=submit]").click()
    if persona.totp_secret:
        page.locator("input[name=code]").fill(totp_code(persona))
        page.locator("main button[type=submit]").click()
    return page


def test_triage_share_note_message_answer_resolve_and_shred(
    visit: Callable[..., object],
    coordinator: Persona,
    counselor: Persona,
    make_request: Callable[..., Accepted],
    tmp_path: object,
) -> None:
    accepted = make_request(place="am-yerevan", needs=("legal",), story="Нужен юрист в Ереване.")
    case_path = f"/desk/{accepted.case.pk}/"

    # The coordinator takes the request on and shares it with a counselor.
    desk = visit(locale="en-GB")
    page = _log_in(desk, coordinator)
    page.goto(f"{desk.origin}/en{case_path}")  # type: ignore[attr-defined]
    page.get_by_label("Take it on").check()
    page.get_by_role("button", name="Triage").click()
    assert "Done: the case is now “Triaged”." in page.locator("main").inner_text()
    page.locator("#share_member").select_option(label=counselor.member.handle)
    page.get_by_role("button", name="Share", exact=True).click()
    assert f"Shared with {counselor.member.handle}." in page.locator("main").inner_text()

    # The counselor, in Russian, finds it in their cases, opens it with a reason, notes, writes.
    office = visit(locale="ru-RU")
    work = _log_in(office, counselor, "ru")
    work.goto(f"{office.origin}/ru/desk/mine/")  # type: ignore[attr-defined]
    work.locator("tbody tr a").first.click()
    assert "Нужен юрист" not in work.content()
    work.locator("input[name=scope][value=counsel]").check()
    work.locator("input[name=reason]").fill("первая консультация")
    work.get_by_role("button", name="Раскрыть данные").click()
    assert "Нужен юрист в Ереване." in work.locator("main").inner_text()
    work.locator("#notes textarea[name=text]").fill("Юрист: Ани, приём в среду")
    work.get_by_role("button", name="Сохранить заметку").click()
    assert "Юрист: Ани, приём в среду" in work.locator("#notes").inner_text()
    work.locator("#messages textarea[name=text]").fill("Сможете прийти в среду в 11?")
    work.locator("#messages input[name=wait_for_answer]").check()
    work.get_by_role("button", name="Отправить").click()
    assert "Ждём ответа заявителя" in work.locator("#case-status").inner_text()

    # The requester, without JavaScript, sees there is a message, reads it and answers.
    phone = visit(javascript=False, locale="ru-RU")
    mine: Page = phone.page  # type: ignore[attr-defined]
    mine.goto(f"{phone.origin}/ru/status/")  # type: ignore[attr-defined]
    mine.locator("input[name=codename]").fill(accepted.codename)
    mine.locator("main button[type=submit]").click()
    assert "1 новое сообщение от волонтёров." in mine.locator("main").inner_text()
    assert "среду" not in mine.locator("main").inner_text()
    mine.get_by_role("link", name="Открыть сообщения").click()
    assert "Сможете прийти в среду в 11?" in mine.locator("main").inner_text()
    mine.locator("textarea[name=text]").fill("Да, приду. Вот паспорт.")
    photo = tmp_path / "passport.jpg"  # type: ignore[operator]
    photo.write_bytes(small_jpeg(camera="PhoneCam"))
    mine.locator("input[name=photo]").set_input_files(str(photo))
    mine.get_by_role("button", name="Отправить").click()
    mine.wait_for_url(re.compile(r"sent=1"))
    assert "Отправлено" in mine.locator("main").inner_text()
    assert "Ваше фото" in mine.locator("main").inner_text()

    # The counselor reads the answer and the photo, then resolves the case.
    work.reload()
    thread = work.locator("#messages").inner_text()
    assert "Да, приду. Вот паспорт." in thread
    assert "В работе" in work.locator("#case-status").inner_text()
    with work.expect_response(re.compile(r"/photo/$")) as served:
        work.get_by_role("link", name="Фото документа").click()
    assert served.value.status == 200
    assert served.value.headers["content-type"] == "image/jpeg"
    work.go_back()
    work.locator("select[name=status]").select_option(Status.RESOLVED)
    work.get_by_role("button", name="Перевести").click()
    assert "Решена" in work.locator("#case-status").inner_text()

    # The coordinator shreds it; the requester's codename opens nothing any more.
    page.goto(f"{desk.origin}/en{case_path}")  # type: ignore[attr-defined]
    page.locator("input[name=confirm]").check()
    page.locator("#shred button").click()
    assert "Shredded." in page.locator("main").inner_text()
    assert Case.objects.get(pk=accepted.case.pk).shredded
    mine.goto(f"{phone.origin}/ru/status/")  # type: ignore[attr-defined]
    assert "Эта заявка уничтожена" in mine.locator("main").inner_text()
    again = visit(javascript=False, locale="ru-RU")
    other: Page = again.page  # type: ignore[attr-defined]
    other.goto(f"{again.origin}/ru/status/")  # type: ignore[attr-defined]
    other.locator("input[name=codename]").fill(accepted.codename)
    other.locator("main button[type=submit]").click()
    assert "Нет заявки с таким кодовым именем" in other.locator("main").inner_text()
    for session in (desk, office, phone, again):
        assert session.foreign() == []  # type: ignore[attr-defined]


def test_requester_forgets_their_request_without_javascript(
    visit: Callable[..., object], make_request: Callable[..., Accepted]
) -> None:
    accepted = make_request(story="Забудьте меня, пожалуйста.")
    phone = visit(javascript=False, locale="ru-RU")
    page: Page = phone.page  # type: ignore[attr-defined]
    page.goto(f"{phone.origin}/ru/status/")  # type: ignore[attr-defined]
    page.locator("input[name=codename]").fill(accepted.codename)
    page.locator("main button[type=submit]").click()
    page.get_by_role("link", name="Забыть мою заявку: уничтожить всё, что я написал(а)").click()
    page.locator("input[name=codename]").fill("не те слова")
    page.get_by_role("button", name="Забыть мою заявку сейчас").click()
    assert "Это не слова этой заявки" in page.locator("main").inner_text()
    assert not Case.objects.get(pk=accepted.case.pk).shredded
    page.locator("input[name=codename]").fill(accepted.codename)
    page.get_by_role("button", name="Забыть мою заявку сейчас").click()
    assert "Ваша заявка забыта" in page.locator("main").inner_text()
    assert Case.objects.get(pk=accepted.case.pk).shredded
    assert phone.foreign() == []  # type: ignore[attr-defined]
