"""What a requester who left an e-mail address hears, and when."""


def on_event(req, event) -> None:
    """Queue the requester's e-mail for this timeline event, if it is one they hear of."""
    # TODO(issue 5): being written (status e-mails with the tracking link).
