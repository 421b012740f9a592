"""What the Matrix bot keeps about the people who talk to it: one sealed row per account."""

from django.db import models


class Conversation(models.Model):
    """One Matrix account's conversation with the bot.

    The account's user id is never stored: the row is found by a keyed digest of it, and its state
    (language, the answers so far, the link to a request) is sealed under a key derived from the
    user id and the pepper, so the database alone names no account and opens no row.
    """

    lookup = models.BinaryField(max_length=32, unique=True)
    state = models.BinaryField()
    updated_hour = models.DateTimeField()

    def __str__(self) -> str:
        return f"conversation {self.pk}"
