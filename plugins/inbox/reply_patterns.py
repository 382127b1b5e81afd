"""Line patterns for reply splitting: attributions, forward markers, quoted headers, signatures.

Kept apart from the splitting logic so new languages and clients are one-line additions.
Each predicate looks at a single (already unfolded) line of plain text.
"""

from __future__ import annotations

import re

# "On <date>, <someone> wrote:" in many languages: opening word and closing verb.
_ON_WORDS = r"On|Am|Le|El|Il|Op|Em|Dnia|W dniu|Den|På|Pe|Dne|V|Il giorno|Em|Às|Kl\.|Den|Tanggal"
_WROTE_WORDS = (
    r"wrote|writes|schrieb|a écrit|escribió|escribio|ha scritto|scrisse|schreef|"
    r"het volgende geschreven|escreveu|napisał\(a\)|napisała|napisał|skrev|kirjoitti|"
    r"написал\(а\)|написала|написал|написав|пише|napsal|napísal|yazdı|írta|έγραψε|"  # noqa: RUF001
    r"kirjutas|rašė|rakstīja|je napisal|напиша|a scris|写道|寫道|のメッセージ|님이 작성"
)
ON_WROTE = re.compile(
    rf"^[\s>\-*]*(?:{_ON_WORDS})\s.{{0,300}}?(?:{_WROTE_WORDS})(?:[^\n]{{0,80}}:|\s*:?)[\s\-*]*$",
    re.IGNORECASE,
)
# Something that ends like an attribution: "... wrote:" / "... schrieb:" etc.
ENDS_WROTE = re.compile(rf"(?:{_WROTE_WORDS})\s*:[\s\-]*$", re.IGNORECASE)
# The same two, for a line already lower-cased: Python's re tries a long alternation
# under IGNORECASE slowly (~17 us for one attribution line, ~1 us like this).
ON_WROTE_LOWER = re.compile(
    rf"^[\s>\-*]*(?:{_ON_WORDS.lower()})\s.{{0,300}}?(?:{_WROTE_WORDS.lower()})"
    rf"(?:[^\n]{{0,80}}:|\s*:?)[\s\-*]*$"
)
ENDS_WROTE_LOWER = re.compile(rf"(?:{_WROTE_WORDS.lower()})\s*:[\s\-]*$")
# Where a multi-line attribution may start: "On ..." or a leading date.
ATTRIBUTION_START = re.compile(
    rf"^[\s>\-]*(?:(?:{_ON_WORDS})\s.*\d|\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}\b|.*\b(?:19|20)\d\d\b)",
    re.IGNORECASE,
)
_EMAIL_IN_BRACKETS = re.compile(r"<[^<>@\s]+@[^<>\s]+\.[^<>\s]+>|&lt;[^&@\s]+@[^&\s]+&gt;")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b")
_ISO_DATE_GMT = re.compile(r"^[\s>]*\d{4}-\d\d-\d\d \d{1,2}:\d\d GMT[+-]\d\d:\d\d\b")
_VIA_WROTE = re.compile(r"^[\s>]*\S.{0,100} via .{1,100} (?:wrote|schrieb):?\s*$", re.IGNORECASE)
_EMAIL_WROTE = re.compile(
    r"^[\s>]*\S.{0,100}<[^<>]+@[^<>]+>\s*(?:wrote|schrieb|a écrit)\b", re.IGNORECASE
)
_RU_USER_WROTE = re.compile(r".+пользователь.+написал", re.IGNORECASE)

FORWARD_MARKERS = re.compile(
    r"^[\s>*_]*(?:"
    r"-{2,}\s*(?:Forwarded|Original) Message\s*-{2,}|"
    r"-{2,}\s*(?:Message transféré|Message d'origine|Ursprüngliche Nachricht|"
    r"Weitergeleitete Nachricht|Mensaje original|Mensaje reenviado|Messaggio originale|"
    r"Messaggio inoltrato|Oorspronkelijk bericht|Doorgestuurd bericht|Originalmeddelande|"
    r"Vidarebefordrat meddelande|Opprinnelig melding|Oprindelig meddelelse|"
    r"Wiadomość oryginalna|Původní zpráva|Исходное сообщение|Пересылаемое сообщение|"
    r"Mensagem original|Mensagem encaminhada|Alkuperäinen viesti)\s*-{2,}|"
    r"Begin forwarded message:|Anfang der weitergeleiteten Nachricht:|"
    r"Début du message réexpédié :?|Reply message|"
    r"-{3,}\s*Reply message\s*-{3,}"
    r")",
    re.IGNORECASE,
)

# Quoted header names by role, in the languages clients write them in.
_HEADER_NAMES = (
    # from
    r"From|Från|Von|De|Da|Van|Fra|Od|От|Kimden|Feladó|Lähettäjä|发件人|寄件者|差出人|보낸 사람|"
    # sent / date
    r"Sent|Date|Datum|Gesendet|Envoyé|Enviado|Enviada em|Enviado el|Skickat|Sendt|Data|Fecha|"
    r"Verzonden|Wysłano|Odesláno|Отправлено|Дата|Tarih|Lähetetty|发送时间|傳送時間|送信日時|"
    # to / cc / reply-to
    r"To|An|À|A|Para|Aan|Till|Til|Do|Komu|Кому|Kime|Vastaanottaja|收件人|收件者|宛先|받는 사람|"
    r"Cc|CC|Kopie|Копия|Kopio|抄送|Reply-To|Répondre à|Risposta|Antwort an|"
    # subject
    r"Subject|Betreff|Objet|Asunto|Assunto|Oggetto|Onderwerp|Ämne|Emne|Temat|Předmět|Тема|"
    r"Konu|Aihe|Tárgy|主题|主旨|件名|제목"
)
QUOTED_HEADER = re.compile(rf"^[\s>*]*(?:{_HEADER_NAMES})[ \t*]*:[ \t*]*\S", re.IGNORECASE)
FROM_HEADER = re.compile(
    r"^[\s>*]*(?:From|Från|Von|De|Da|Van|Fra|Od|От|Kimden|Feladó|发件人|差出人)[ \t*]*:",
    re.IGNORECASE,
)

# Characters a separator line may consist of ("-- ", "____", "=====", "ᐧ").
DELIMITER = re.compile(r"^[ \t]*[-_,=+~#*ᐧ]+[ \t]*$")
SIGNATURE_DASHES = re.compile(r"^--[ \t]?$")

# Mobile and client signatures, matched on the whole (short) line.
MOBILE_SIGNATURE = re.compile(
    r"^[\s>]*(?:"
    r"[(<]*sent (?:from|via|with|by|using) .+|"
    r"\S+ from mobile|from my \S.{0,25}|"
    r"get (?:\[)?outlook for .+|"
    r"envoyé depuis mon .+|envoyé de mon .+|von meinem .+ gesendet|"
    r"diese nachricht wurde von .+ gesendet\.?|gesendet von meinem .+|"
    r"enviado desde mi .+|enviado do meu .+|inviato da(?:l mio)? .+|"
    r"verzonden (?:met|vanaf|van)(?: mijn)? .+|skickat från min .+|sendt fra min .+|"
    r"отправлено с .+|從我的 iPhone 傳送|发自我的.+|iPhoneから送信"  # noqa: RUF001
    r")$",
    re.IGNORECASE,
)
_URLS = re.compile(r"\(?<?https?://\S+>?\)?|\[([^\]]*)\]\([^)]*\)")


def is_mobile_signature(line: str) -> bool:
    """True for a short 'Sent from my iPhone'-style line."""
    # _URLS (case-sensitive) needs "http" or "](": skip the substitution on other lines
    bare = _URLS.sub(lambda m: m.group(1) or "", line) if "http" in line or "](" in line else line
    bare = bare.strip()
    return 0 < len(bare) <= 80 and MOBILE_SIGNATURE.match(bare) is not None


_DIGIT = re.compile(r"\d")
_COLON_END = re.compile(r":[\s\-]*$")


def is_attribution(line: str) -> bool:
    """True for a reply attribution ("On ... wrote:") or a forward marker on one line.

    Every line of every mail goes through this, so each costly pattern is guarded by a
    cheap condition it implies (a digit, a ":", a "<"), and the two long alternations run
    on the lower-cased line without IGNORECASE: same answers (the corpus test checks them
    against the plain patterns), a fraction of the time.
    """
    text = line.strip()
    if not text or len(text) > 400:
        return False
    if FORWARD_MARKERS.match(text) or _ISO_DATE_GMT.match(text):
        return True
    has_digit = _DIGIT.search(text) is not None
    low = text.lower()
    if has_digit and ON_WROTE_LOWER.match(low):
        return True
    if (" via " in low and _VIA_WROTE.match(text)) or ("<" in text and _EMAIL_WROTE.match(text)):
        return True
    if "пользователь" in low and _RU_USER_WROTE.match(text):
        return True
    # ENDS_WROTE ends in ":" (then only blanks and dashes); _YEAR needs a digit
    if (
        ":" in text
        and _COLON_END.search(text)
        and ENDS_WROTE_LOWER.search(low)
        and ((has_digit and _YEAR.search(text)) or _EMAIL_IN_BRACKETS.search(text))
    ):
        return True
    # "2013/7/20 sam <info@x.org>" or "26.06.2014, 14:41, "A" <a@x.org>:" (Gmail, Yandex...).
    ends = text.rstrip("-* ")
    return bool(
        has_digit
        and (ends.endswith(":") or ends.endswith(">") or ends.endswith("&gt;"))
        and not text.startswith(">")
        and len(text) < 200
        and _YEAR.search(text)
        and _EMAIL_IN_BRACKETS.search(text)
    )
