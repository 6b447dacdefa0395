"""Outgoing mail through a backend chosen by ``MAIL_BACKEND``.

``console`` logs the message and prints it to stderr (development), ``file`` appends it to
``MAIL_FILE_PATH`` (default ``instance/mail.log``), ``memory`` keeps it in
``app.extensions["mail_outbox"]`` (tests) and ``smtp`` hands it to ``MAIL_SERVER``.
"""

from __future__ import annotations

import logging
import os
import smtplib
import sys
from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask, current_app

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail backend."""


def outbox(app: Flask | None = None) -> list[EmailMessage]:
    """The messages kept by the ``memory`` backend (created on first use)."""
    extensions = (app or current_app).extensions
    box: list[EmailMessage] = extensions.setdefault("mail_outbox", [])
    return box


def build_message(to: str | list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text message from the configured sender."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError("a message needs at least one recipient")
    for address in recipients:
        if "\n" in address or "\r" in address:
            raise MailError("invalid recipient address")
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(recipients)
    message["Subject"] = " ".join(str(subject).split())
    message.set_content(body)
    return message


def _send_console(message: EmailMessage) -> None:
    text = message.as_string()
    logger.info("mail to %s: %s\n%s", message["To"], message["Subject"], text)
    print(text, file=sys.stderr)


def _send_file(message: EmailMessage) -> None:
    path = current_app.config.get("MAIL_FILE_PATH") or os.path.join(
        current_app.instance_path, "mail.log"
    )
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(message.as_string())
        handle.write("\n" + "-" * 72 + "\n")
    logger.info("mail to %s written to %s", message["To"], path)


def _send_memory(message: EmailMessage) -> None:
    outbox().append(message)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"SMTP delivery to {message['To']} failed: {error}") from error
    logger.info("mail to %s sent through %s", message["To"], config["MAIL_SERVER"])


BACKENDS: dict[str, Callable[[EmailMessage], None]] = {
    "console": _send_console,
    "file": _send_file,
    "memory": _send_memory,
    "smtp": _send_smtp,
}


def send_mail(to: str | list[str], subject: str, body: str) -> EmailMessage:
    """Send a plain-text message through the configured backend; raise MailError on failure."""
    name = str(current_app.config.get("MAIL_BACKEND") or "console")
    backend = BACKENDS.get(name)
    if backend is None:
        raise MailError(f"unknown MAIL_BACKEND {name!r}; use one of {sorted(BACKENDS)}")
    message = build_message(to, subject, body)
    backend(message)
    return message
