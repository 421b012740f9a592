"""The screener's words, in English and Russian.

Templates only name what the structured facts say: every claim about a country, a law or a group
comes from the content files, so that each one keeps its sources. Counselor lines are terse; the
plain templates speak to the requester.
"""

from __future__ import annotations

from haven.knowledge.content import Constraint, Document, RiskLevel, Text

DOC = {
    Document.INTERNAL_PASSPORT: Text("internal passport", "внутренний паспорт"),
    Document.INTERNATIONAL_PASSPORT: Text("international passport", "загранпаспорт"),
    Document.SCHENGEN_VISA: Text("Schengen visa", "шенгенская виза"),
    Document.CALL_UP_PAPER: Text("call-up paper", "повестка"),
    Document.MILITARY_ID: Text("military ID", "военный билет"),
}
LEVEL = {
    RiskLevel.HIGH: Text("high", "высокий"),
    RiskLevel.MEDIUM: Text("medium", "средний"),
    RiskLevel.LOW: Text("low", "низкий"),
    RiskLevel.UNKNOWN: Text("level unknown", "уровень неизвестен"),
}
ENTRY_OK = Text("Entry: the {doc} is accepted.", "Въезд: подходит {doc}.")
ENTRY_VISA_OK = Text(
    "Entry: the international passport with the Schengen visa held.",
    "Въезд: по загранпаспорту с имеющейся шенгенской визой.",
)
NEEDS_PASSPORT = Text(
    "Entry needs the internal or an international passport; the answers show neither.",
    "Для въезда нужен внутренний или заграничный паспорт, а их нет.",
)
NEEDS_INTERNATIONAL = Text(
    "Entry needs an international passport; the answers show none.",
    "Для въезда нужен загранпаспорт, а его нет.",
)
NEEDS_SCHENGEN = Text(
    "Entry needs a Schengen visa; the answers show none.",
    "Для въезда нужна шенгенская виза, а её нет.",
)
INTERNAL_UNCONFIRMED = Text(
    "Whether the internal passport is accepted is not confirmed.",
    "Пускают ли по внутреннему паспорту, не подтверждено.",
)
VISA_UNRECORDED = Text(
    "The visa rule here is not in the facts, or the answers do not record the visa it needs.",
    "Визовых правил нет в наших сведениях, или в ответах не отмечена нужная виза.",
)
EXCEPTION_ONCE = Text(
    "People in this situation were once let in without the usual documents (see entry); whether "
    "that can happen again is not known.",
    "Людей в такой ситуации однажды впустили без обычных документов (см. въезд); повторится ли "
    "это, неизвестно.",
)
STAY_DAYS = Text("Stay: up to {days} days without a visa.", "Пребывание: до {days} без визы.")
STAY_NONE = Text(
    "Stay: no visa-free stay, so staying beyond a visa depends on asylum.",
    "Пребывание: безвизового режима нет, остаться дольше визы можно только через убежище.",
)
STAY_UNCLEAR = Text(
    "Stay: how long one may stay without a visa is not clear.",
    "Пребывание: сколько можно находиться без визы, неясно.",
)
DANGER = Text(
    "Handed back to Russia? ({level}, for people in this situation)",
    "Могут ли выдать в Россию? ({level}, для людей в такой ситуации)",
)
BORDER = Text("Border", "Граница")
RETURN = Text("Return and extradition ({level})", "Высылка и выдача ({level})")
ASYLUM = Text("Asylum", "Убежище")
ASYLUM_SILENT = Text(
    "Asylum (nothing recorded for people in this situation)",
    "Убежище (по людям в такой ситуации ничего нет)",
)
HELP = Text("Help there", "Помощь на месте")
NO_SHELTER = Text(
    "No shelter run by a known group is recorded here.",
    "Шелтеров известных групп здесь не отмечено.",
)
GROUND = Text("{title} ({citation}).", "{title} ({citation}).")
PROOF_HELD = Text(
    "{title}: asks for proof; the answers show a {doc}.",
    "{title}: требует доказательства; в ответах есть: {doc}.",
)
PROOF_MISSING = Text(
    "{title}: asks for proof ({doc}); the answers show none.",
    "{title}: требует доказательства ({doc}), а его нет.",
)
PROOF_OTHER = Text(
    "{title}: whether a {doc} counts as the proof asked for is not in the facts.",
    "{title}: засчитают ли {doc} как доказательство, в наших сведениях нет.",
)
VISA_POLICY = Text(
    "Visa applications fall under the {title}.",
    "Визовые заявления подпадают под документ: {title}.",
)
GENERAL = {
    "russia": Text(
        "Leaving Russia is not covered by these facts: a counselor must check the person's own "
        "situation at the Russian border.",
        "Выезд из России в наших сведениях не описан: консультант должен отдельно проверить, что "
        "ждёт этого человека на российской границе.",
    ),
    "elsewhere": Text(
        "Nothing in the facts covers {country}, where the person is now.",
        "О стране, где человек находится сейчас ({country}), сведений нет.",
    ),
    Constraint.FAMILY_WITH_CHILDREN: Text(
        "Nothing in the facts covers what families with children need (housing, schools, papers "
        "for the children); check each country with a counselor.",
        "В наших сведениях нет того, что важно семьям с детьми (жильё, школы, документы детей); "
        "проверьте каждую страну с консультантом.",
    ),
    Constraint.NO_MONEY: Text(
        "The facts hold no costs of travel or living; shelters of known groups are noted per "
        "country.",
        "Стоимости дороги и жизни в наших сведениях нет; шелтеры известных групп отмечены по "
        "странам.",
    ),
    Constraint.HEALTH_NEEDS: Text(
        "Nothing in the facts covers access to health care in any country.",
        "О доступе к медицинской помощи в наших сведениях нет ничего ни по одной стране.",
    ),
    "coverage": Text(
        "Only the {count} countries in the knowledge base are screened.",
        "Проверены только страны из базы знаний: {count}.",
    ),
}
# A country's danger for the person, as the requester is told it: (level, already there) -> words.
DANGER_WHY = {
    (RiskLevel.HIGH, False): Text(
        "you can be handed back to Russia from there",
        "оттуда вас могут выдать или выслать в Россию",
    ),
    (RiskLevel.HIGH, True): Text(
        "you can be handed back to Russia from here",
        "отсюда вас могут выдать или выслать в Россию",
    ),
    (RiskLevel.MEDIUM, False): Text(
        "you may be refused protection or sent back from there",
        "там вам могут отказать в защите или выслать",
    ),
    (RiskLevel.MEDIUM, True): Text(
        "you may be refused protection or sent back from here",
        "здесь вам могут отказать в защите или выслать",
    ),
}
WHY = {
    "closed": Text("the border is closed", "граница закрыта"),
    "passport": Text("you need a passport", "нужен паспорт"),
    "international": Text("you need an international passport", "нужен загранпаспорт"),
    "visa": Text("you need a Schengen visa", "нужна шенгенская виза"),
    "internal": Text(
        "it is not confirmed that your internal passport is accepted",
        "не подтверждено, что пускают по внутреннему паспорту",
    ),
    "visa_rule": Text("we do not know the visa rules for you", "мы не знаем, какая виза вам нужна"),
    "exception": Text(
        "people without the usual documents got in once, but it may not happen again",
        "людей без обычных документов однажды впустили, но это может не повториться",
    ),
    "return": Text(
        "people in your situation have been detained or sent away from there",
        "людей в вашей ситуации там задерживали или высылали",
    ),
    "return_others": Text(
        "people in other situations have been detained or sent away from there, and we found "
        "nothing on people in yours",
        "людей в других ситуациях там задерживали или высылали, а о людях в вашей ситуации "
        "сведений нет",
    ),
    "restricted": Text(
        "the border lets in only a few exceptions", "через границу пускают лишь в виде исключения"
    ),
    "asylum": Text(
        "asylum is rarely or unevenly granted there", "убежище там дают редко или непредсказуемо"
    ),
    "proof": Text("you would need proof of your call-up", "понадобится доказательство призыва"),
    "asylum_silent": Text(
        "we do not know how asylum claims like yours are decided there",
        "мы не знаем, как там решают заявления об убежище в ситуации, как ваша",
    ),
}
# The reasons that name the place, as said to someone already there.
WHY_HERE = {
    "return_others": Text(
        "people in other situations have been detained or sent away from here, and we found "
        "nothing on people in yours",
        "людей в других ситуациях здесь задерживали или высылали, а о людях в вашей ситуации "
        "сведений нет",
    ),
    "return": Text(
        "people in your situation have been detained or sent away from here",
        "людей в вашей ситуации здесь задерживали или высылали",
    ),
    "asylum": Text(
        "asylum is rarely or unevenly granted here", "убежище здесь дают редко или непредсказуемо"
    ),
    "asylum_silent": Text(
        "we do not know how asylum claims like yours are decided here",
        "мы не знаем, как здесь решают заявления об убежище в ситуации, как ваша",
    ),
}
PLAIN = {
    "possible": Text(
        "{name}: looks possible with your documents{stay}.",
        "{name}: похоже, можно с вашими документами{stay}.",
    ),
    "risky": Text(
        "{name}: risky for you: {why}{also}. Talk to a counselor first.",
        "{name}: опасно для вас: {why}{also}. Сначала поговорите с консультантом.",
    ),
    "unknown": Text(
        "{name}: we do not know yet: {why}. A counselor can check.",
        "{name}: пока неизвестно: {why}. Консультант может это проверить.",
    ),
    "not_possible": Text("{name}: not possible now: {why}.", "{name}: сейчас нельзя: {why}."),
}
PLAIN_RISKY_TOO = Text(
    "It would be risky for you too: {why}.", "И это было бы опасно для вас: {why}."
)
PLAIN_ALSO = Text("; also, {what}", "; кроме того, {what}")
PLAIN_HERE = Text(
    "{name}: you are there now; staying looks possible{stay}.",
    "{name}: вы уже там; похоже, остаться можно{stay}.",
)
PLAIN_RISKY_HERE = Text(
    "{name}: you are there now, and staying is risky: {why}{also}. Talk to a counselor.",
    "{name}: вы уже там, и оставаться опасно: {why}{also}. Поговорите с консультантом.",
)
PLAIN_AT_RISK_HERE = Text(
    "{name}: you are at risk where you are: {why}{also}. Talk to a counselor now, and do not "
    "travel through or to another country that hands people back.",
    "{name}: вы в опасности там, где вы сейчас: {why}{also}. Поговорите с консультантом прямо "
    "сейчас и не въезжайте в другую страну, которая выдаёт людей, даже транзитом.",
)
PLAIN_UNKNOWN_HERE = Text(
    "{name}: you are there now; we do not know yet whether you can stay: {why}. A counselor can "
    "check.",
    "{name}: вы уже там; пока неизвестно, можно ли остаться: {why}. Консультант может это "
    "проверить.",
)
PLAIN_DANGER_UNFOUND = Text(
    "We found nothing on whether people in your situation are handed back to Russia from there.",
    "Мы не нашли сведений о том, выдают ли оттуда в Россию людей в вашей ситуации.",
)
AT_RISK_HERE = Text(
    "You are at risk where you are. {name}: {why}. {danger} What to do now: talk to a counselor "
    "today, and do not travel through or to another country that hands people back before a "
    "counselor has checked your route.",
    "Вы в опасности там, где вы сейчас. {name}: {why}. {danger} Что делать сейчас: сегодня же "
    "поговорите с консультантом и не въезжайте в другую страну, которая выдаёт людей, даже "
    "транзитом, пока консультант не проверил ваш маршрут.",
)
PLAIN_STAY = Text(" (up to {days} days without a visa)", " (без визы до {days})")
PLAIN_GROUP = {
    "risky": Text("Risky for you: {names}.", "Опасно для вас: {names}."),
    "possible": Text("Looks possible: {names}.", "Похоже, можно: {names}."),
    "unknown": Text("We do not know yet: {names}.", "Пока неизвестно: {names}."),
    "not_possible": Text("Not possible now: {names}.", "Сейчас нельзя: {names}."),
}
PLAIN_END = Text(
    "Rules change often: check with a counselor before you act.",
    "Правила часто меняются: прежде чем действовать, посоветуйтесь с консультантом.",
)


def fmt(template: Text, **values: Text | str | int) -> Text:
    """Fill a template in each language, taking each Text value in the same language."""

    def fill(language: str, pattern: str) -> str:
        return pattern.format(
            **{k: v.get(language) if isinstance(v, Text) else v for k, v in values.items()}
        )

    return Text(en=fill("en", template.en), ru=fill("ru", template.ru))


def quote(label: Text, value: Text) -> Text:
    return Text(en=f"{label.en}: {value.en}", ru=f"{label.ru}: {value.ru}")


def days_text(days: int) -> Text:
    """A number of days as it follows "up to": Russian puts the noun in the genitive after «до»."""
    word = "дня" if days % 10 == 1 and days % 100 != 11 else "дней"
    return Text(en=str(days), ru=f"{days} {word}")


def join(parts: list[Text], separator: str = "; ") -> Text:
    return Text(en=separator.join(p.en for p in parts), ru=separator.join(p.ru for p in parts))
