from __future__ import annotations

import logging
import smtplib

import pytest

from consult_app.core import mail as mail_module
from consult_app.core.mail import MailError, outbox, send_mail


@pytest.fixture
def backend(app):
    """Switch MAIL_BACKEND (and MAIL_FILE_PATH) for one test."""
    saved = {k: app.config.get(k) for k in ("MAIL_BACKEND", "MAIL_FILE_PATH")}

    def use(name, **extra):
        app.config["MAIL_BACKEND"] = name
        app.config.update(extra)

    outbox(app).clear()
    yield use
    app.config.update(saved)
    outbox(app).clear()


def test_memory_backend_keeps_messages(app, backend):
    backend("memory")
    message = send_mail("someone@example.org", "Hello", "Body text\nsecond line")
    assert outbox(app) == [message]
    assert app.extensions["mail_outbox"][0]["To"] == "someone@example.org"
    assert message["Subject"] == "Hello"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message.get_content().strip() == "Body text\nsecond line"


def test_several_recipients(app, backend):
    backend("memory")
    message = send_mail(["a@example.org", "b@example.org"], "Hi", "x")
    assert message["To"] == "a@example.org, b@example.org"


def test_header_injection_refused(app, backend):
    backend("memory")
    message = send_mail("a@example.org", "Subject\r\nBcc: victim@example.org", "x")
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    with pytest.raises(MailError):
        send_mail("a@example.org\nBcc: victim@example.org", "s", "x")
    with pytest.raises(MailError):
        send_mail([], "s", "x")


def test_console_backend_logs_and_prints(app, backend, caplog, capsys):
    backend("console")
    with caplog.at_level(logging.INFO, logger="consult_app.core.mail"):
        send_mail("c@example.org", "Console subject", "Console body")
    assert "Console subject" in caplog.text
    assert "Console body" in capsys.readouterr().err
    assert outbox(app) == []


def test_file_backend_appends(app, backend, tmp_path):
    path = tmp_path / "sub" / "mail.log"
    backend("file", MAIL_FILE_PATH=str(path))
    send_mail("f@example.org", "First", "one")
    send_mail("f@example.org", "Second", "two")
    text = path.read_text(encoding="utf-8")
    assert "Subject: First" in text and "Subject: Second" in text
    assert text.index("First") < text.index("Second")


def test_file_backend_default_path_in_instance(app, backend):
    backend("file", MAIL_FILE_PATH=None)
    import os

    path = os.path.join(app.instance_path, "mail.log")
    if os.path.exists(path):
        os.remove(path)
    try:
        send_mail("f@example.org", "Default path", "body")
        with open(path, encoding="utf-8") as handle:
            assert "Default path" in handle.read()
    finally:
        if os.path.exists(path):
            os.remove(path)


class FakeSMTP:
    instances: list[FakeSMTP] = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port
        self.calls: list[str] = []
        self.sent = []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append("quit")

    def starttls(self):
        self.calls.append("starttls")

    def login(self, username, password):
        self.calls.append(f"login {username} {password}")

    def send_message(self, message):
        self.sent.append(message)


def test_smtp_backend(app, backend, monkeypatch):
    FakeSMTP.instances = []
    monkeypatch.setattr(mail_module.smtplib, "SMTP", FakeSMTP)
    backend(
        "smtp",
        MAIL_SERVER="smtp.example.org",
        MAIL_PORT=587,
        MAIL_USE_TLS=True,
        MAIL_USERNAME="user",
        MAIL_PASSWORD="pw",
    )
    try:
        send_mail("s@example.org", "Via SMTP", "body")
    finally:
        app.config.update(
            MAIL_SERVER="localhost",
            MAIL_PORT=25,
            MAIL_USE_TLS=False,
            MAIL_USERNAME=None,
            MAIL_PASSWORD=None,
        )
    (smtp,) = FakeSMTP.instances
    assert (smtp.host, smtp.port) == ("smtp.example.org", 587)
    assert smtp.calls == ["starttls", "login user pw", "quit"]
    assert smtp.sent[0]["Subject"] == "Via SMTP"


def test_smtp_failure_is_a_mail_error(app, backend, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "go away")

    monkeypatch.setattr(mail_module.smtplib, "SMTP", refuse)
    backend("smtp")
    with pytest.raises(MailError):
        send_mail("s@example.org", "s", "b")


def test_unknown_backend(app, backend):
    backend("pigeon")
    with pytest.raises(MailError, match="unknown MAIL_BACKEND"):
        send_mail("s@example.org", "s", "b")


def test_mail_settings_from_environment(monkeypatch, tmp_path):
    from consult_app import create_app

    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.setenv("MAIL_SERVER", "mail.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USERNAME", "robot")
    monkeypatch.setenv("MAIL_PASSWORD", "secret")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    app = create_app("development", INSTANCE_PATH=str(tmp_path))
    assert app.config["MAIL_BACKEND"] == "smtp"
    assert app.config["MAIL_SERVER"] == "mail.example.org"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_USERNAME"] == "robot"
    assert app.config["MAIL_PASSWORD"] == "secret"
    assert app.config["MAIL_USE_TLS"] is True
