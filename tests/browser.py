"""A tiny no-JavaScript browser over the Flask test client: follow links, fill and submit
the forms the pages really contain (hidden fields and CSRF tokens included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from flask.testing import FlaskClient


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    id: str = ""
    # A button's own target (its ``formaction``), by button name.
    formactions: dict[str, str] = field(default_factory=dict)

    def data(self, **values: Any) -> dict[str, Any]:
        data: dict[str, Any] = {k: (v if len(v) > 1 else v[0]) for k, v in self.fields.items()}
        data.update(values)
        return data


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[tuple[str, str]] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._link: str | None = None
        self._link_text = ""
        # Buttons outside their form, tied to it by form="id": (id, name, value, formaction).
        self._outside: list[tuple[str, str, str, str]] = []

    def close(self) -> None:
        super().close()
        by_id = {f.id: f for f in self.forms if f.id}
        for form_id, name, value, formaction in self._outside:
            if form_id in by_id:
                by_id[form_id].buttons.append((name, value))
                if formaction:
                    by_id[form_id].formactions[name] = formaction

    def _button(self, a: dict[str, str]) -> None:
        name = a.get("name")
        if not name:
            return
        if a.get("form"):
            self._outside.append((a["form"], name, a.get("value", ""), a.get("formaction", "")))
        elif self._form is not None:
            self._form.buttons.append((name, a.get("value", "")))
            if a.get("formaction"):
                self._form.formactions[name] = a["formaction"]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(
                a.get("action", ""), a.get("method", "get").lower(), id=a.get("id", "")
            )
            self.forms.append(self._form)
        elif tag == "a" and "href" in a:
            self._link, self._link_text = a["href"], ""
        elif tag == "button" or (tag == "input" and a.get("type") == "submit"):
            self._button(a)
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text")
            name = a.get("name")
            if not name:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.setdefault(name, []).append(a.get("value", "on"))
                self._form.selects.setdefault(name, []).append(a.get("value", "on"))
            elif kind != "file":
                # Several inputs of one name (hidden ids of a list) send every value.
                self._form.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            self._form.selects.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a or self._select not in self._form.fields:
                self._form.fields[self._select] = [a.get("value", "")]
        elif tag == "textarea":
            self._textarea = a.get("name")
            if self._textarea:
                self._form.fields[self._textarea] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea][0] += data
        if self._link is not None:
            self._link_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea and self._form is not None:
                # As in HTML, a newline right after <textarea> is not part of the value.
                value = self._form.fields[self._textarea][0]
                skip = 2 if value.startswith("\r\n") else 1 if value.startswith("\n") else 0
                self._form.fields[self._textarea][0] = value[skip:]
            self._textarea = None
        elif tag == "a" and self._link is not None:
            self.links.append((self._link, " ".join(self._link_text.split())))
            self._link = None


class Browser:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.url = "/"
        self.status = 0
        self.html = ""
        self.forms: list[Form] = []
        self.links: list[tuple[str, str]] = []

    def _load(self, response: Any, url: str) -> Browser:
        self.status = response.status_code
        self.url = response.request.path if response.request else url
        self.html = response.get_data(as_text=True)
        parser = _Parser()
        parser.feed(self.html)
        parser.close()
        self.forms, self.links = parser.forms, parser.links
        return self

    def get(self, url: str) -> Browser:
        return self._load(self.client.get(url, follow_redirects=True), url)

    def follow(self, text: str) -> Browser:
        for href, label in self.links:
            if text in label:
                return self.get(urljoin(self.url, href))
        raise AssertionError(f"no link {text!r} on {self.url}: {[t for _, t in self.links]}")

    def form(self, action_contains: str = "") -> Form:
        for form in self.forms:
            if action_contains in (form.action or self.url):
                return form
        raise AssertionError(f"no form with action {action_contains!r} on {self.url}")

    def submit(self, form: Form, **values: Any) -> Browser:
        url = urljoin(self.url, form.action or self.url)
        data = form.data(**values)
        if form.method == "post":
            return self._load(self.client.post(url, data=data, follow_redirects=True), url)
        return self._load(self.client.get(url, query_string=data, follow_redirects=True), url)

    def press(self, button: str, **values: Any) -> Browser:
        """Press the button named ``button``: its form is sent to its ``formaction``, if any."""
        for form in self.forms:
            for name, value in form.buttons:
                if name == button:
                    target = Form(
                        form.formactions.get(name, form.action),
                        form.method,
                        dict(form.fields),
                        form.selects,
                        form.buttons,
                        form.id,
                    )
                    return self.submit(target, **{name: value, **values})
        raise AssertionError(f"no button {button!r} on {self.url}")
