"""Named errors, so callers never catch PyNaCl's own exceptions."""


class CryptoError(Exception):
    """Something sealed could not be opened or made."""


class WrongPassphrase(CryptoError):
    """The passphrase does not open the key wrapped under it."""


class WrongKey(CryptoError):
    """The key given does not open this ciphertext (or the ciphertext was altered)."""


class TamperedData(CryptoError):
    """The ciphertext opened, but it belongs to another record or field."""


class InvalidCodename(CryptoError):
    """The text is not a codename; `reason` says what to fix, `word` names a wrong word."""

    def __init__(self, reason: str, *, word: str | None = None, count: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.word = word
        self.count = count
