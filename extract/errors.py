"""The one exception extraction raises for content it cannot read at all."""


class ExtractionError(Exception):
    """The content cannot be read (corrupt, truncated, unsupported). The message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
