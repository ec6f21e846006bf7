"""`pdfgen email` against a real SMTP server on loopback: plain, STARTTLS, implicit TLS, AUTH.

Each fault is provoked for real (closed port, wrong password, refused recipient, size
limit, untrusted certificate) and checked by exit status and its one-line message.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import logging
import re
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from pdfgen import mail
from pdfgen.cli import cli
from pdfgen.layout import load_layout
from pdfgen.load import load_clinic, load_library, require
from pdfgen.model import MailSettings
from pdfgen.render import render_handout

from .conftest import SAMPLE
from .mailserver import HOST, PASSWORD, USER, Recorder, Server, free_port, make_certs
from .pdfread import read_pdf

PATIENT = "ana.lopez@example.com"
NAME = "Ana <López> & Family"
HID = "hemilaminectomy"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """The working folder of a run, with its own temp folder, and no SMTP login set."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.delenv(mail.USER_ENV, raising=False)
    monkeypatch.delenv(mail.PASSWORD_ENV, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def library(where: Path, port: int, security: str = "none", **extra) -> Path:
    """The sample library with an email: section pointing at the loopback server."""
    lib = where / "handouts"
    if lib.exists():
        shutil.rmtree(lib)
    shutil.copytree(SAMPLE, lib)
    lines = ["email:", f"  host: {HOST}", f"  port: {port}", f"  security: {security}",
             "  from: handouts@clinic.example.org", "  reply_to: front-desk@clinic.example.org"]
    if security == "none":
        extra.setdefault("allow_plain", "true")
    lines += [f"  {key}: {value}" for key, value in extra.items()]
    with open(lib / "clinic.yaml", "a", encoding="utf-8") as fh:
        fh.write("\n" + "\n".join(lines) + "\n")
    return lib


def run(lib: Path, *args: str, to: str = PATIENT):
    return CliRunner().invoke(cli, ["email", HID, "--library", str(lib), "--to", to, *args],
                              catch_exceptions=False)


def rendered(lib: Path, lang: str) -> bytes:
    loaded = require(load_library(lib, only=[HID]))
    return render_handout(loaded.procedure(HID), loaded.clinic, load_layout("single"), (lang,))


def parse(data: bytes) -> email.message.EmailMessage:
    """A message as a mail client reads it (line ends as on this system)."""
    return email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=email.policy.default)


def files_containing(root: Path, needle: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle.encode() in path.read_bytes():
            hits.append(path)
    return hits


def one_line(result) -> str:
    """The error: exactly one line besides any security warnings printed before sending."""
    lines = [line for line in result.output.splitlines()
             if line.strip() and not line.startswith("warning: ")]
    assert len(lines) == 1, result.output
    return lines[0]


# ---------------------------------------------------------------------------
# sending through a real server


def test_plain_send_in_english(workdir, caplog):
    caplog.set_level(logging.DEBUG)
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib, "--lang", "en", "--patient-name", NAME)
    assert result.exit_code == 0, result.output
    assert "warning: email.security is none" in result.stderr
    assert re.search(r"^sent hemilaminectomy via 127\.0\.0\.1:\d+ \(none\): [\d,]+ bytes, "
                     r"Message-ID <[^>]+@clinic\.example\.org>$", result.stdout.strip())
    assert PATIENT not in result.output and "López" not in result.output
    [got] = server.messages
    assert got.mail_from == "handouts@clinic.example.org" and got.rcpt_tos == [PATIENT]
    msg = parse(got.data)
    assert msg["Subject"] == ("Hemilaminectomy: information from "
                              "Example Orthopedic & Spine Clinic")
    assert msg["From"].addresses[0].display_name == "Example Orthopedic & Spine Clinic"
    assert msg["From"].addresses[0].addr_spec == "handouts@clinic.example.org"
    assert msg["Reply-To"].addresses[0].addr_spec == "front-desk@clinic.example.org"
    assert [a.addr_spec for a in msg["To"].addresses] == [PATIENT]
    assert email.utils.parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert re.fullmatch(r"<[^<>@\s]+@clinic\.example\.org>", msg["Message-ID"])
    assert msg["Content-Language"] == "en-US"
    assert msg.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in msg.iter_parts()] == [
        "multipart/alternative", "application/pdf"]
    assert [p.get_content_type() for p in next(msg.iter_parts()).iter_parts()] == [
        "text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()
    assert text.startswith(f"Hello {NAME},\n")
    assert "call us at 817-697-4038" in text and "Fax: 877-409-3962" in text
    assert "https://www.example.org" in text
    html = msg.get_body(("html",)).get_content()
    assert '<html lang="en-US">' in html
    assert "Hello Ana &lt;López&gt; &amp; Family," in html and "<López>" not in html
    assert 'href="tel:+18176974038"' in html
    [att] = list(msg.iter_attachments())
    assert att.get_content_type() == "application/pdf"
    assert att.get_filename() == "Hemilaminectomy.pdf"
    assert att.get_content() == rendered(lib, "en")
    for line in got.data.split(b"\r\n"):
        assert len(line) <= 998 and line.isascii()  # 7-bit clean, wire-legal lines
    assert not any(PATIENT in rec.getMessage() or "López" in rec.getMessage()
                   for rec in caplog.records if not rec.name.startswith("mail"))


def test_starttls_with_login_in_spanish(workdir, certs, monkeypatch):
    monkeypatch.setenv(mail.USER_ENV, USER)
    monkeypatch.setenv(mail.PASSWORD_ENV, PASSWORD)
    with Server(certs=certs, mode="starttls", auth=True) as server:
        lib = library(workdir, server.port, "starttls", ca_file=str(certs.ca_file))
        result = run(lib, "--lang", "es", "--patient-name", "Ana López")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # verified TLS: no warning
    assert USER not in result.output and PASSWORD not in result.output
    [got] = server.messages
    assert got.tls and got.login.login == USER.encode()
    msg = parse(got.data)
    assert msg["Subject"] == ("Hemilaminectomía: información de "
                              "Example Orthopedic & Spine Clinic")
    assert msg["Content-Language"] == "es-MX"
    text = msg.get_body(("plain",)).get_content()
    assert text.startswith("Hola, Ana López:\n")
    assert "Le enviamos la información sobre su procedimiento: Hemilaminectomía." in text
    assert "Teléfono: 817-697-4038" in text and "Atentamente," in text
    assert '<html lang="es-MX">' in msg.get_body(("html",)).get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "Hemilaminectomía.pdf"
    assert b"filename*=utf-8''Hemilaminectom%C3%ADa.pdf" in got.data  # RFC 2231
    pdf = att.get_content()
    assert pdf == rendered(lib, "es")
    doc = read_pdf(pdf)
    assert doc.reader.trailer["/Root"]["/Lang"] == "es-MX"
    assert all("Página" in page and "Page " not in page for page in doc.pages)


def test_implicit_tls_through_the_python_api(workdir, certs):
    with Server(certs=certs, mode="ssl") as server:
        lib = library(workdir, server.port, "ssl", ca_file=str(certs.ca_file))
        loaded = require(load_library(lib))
        result = mail.send_handout(loaded.procedure(HID), loaded.clinic, load_layout("single"),
                                   PATIENT, "es")
    [got] = server.messages
    assert got.tls
    msg = parse(got.data)
    assert msg["Message-ID"] == result.message_id and result.size == len(got.data)
    assert msg.get_body(("plain",)).get_content().startswith("Hola:\n")  # no name given


def test_bilingual_layout_puts_the_patients_language_first(workdir):
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib, "--lang", "es", "--layout", "bilingual")
    assert result.exit_code == 0, result.output
    pdf = read_pdf(list(parse(server.messages[0].data).iter_attachments())[0].get_content())
    assert pdf.reader.trailer["/Root"]["/Lang"] == "es-MX"


def test_unverified_setting_sends_with_a_warning(workdir, certs):
    with Server(certs=certs, mode="starttls") as server:
        lib = library(workdir, server.port, "starttls", allow_unverified="true")
        result = run(lib)
    assert result.exit_code == 0, result.output
    assert "warning: email.allow_unverified is true" in result.stderr
    assert len(server.messages) == 1 and server.messages[0].tls


# ---------------------------------------------------------------------------
# faults, each for real: exit status and one line


def test_closed_port(workdir):
    lib = library(workdir, free_port())
    result = run(lib)
    assert result.exit_code == 5
    line = one_line(result)
    assert line.startswith("cannot reach 127.0.0.1:") and "connection refused" in line
    assert PATIENT not in result.output


def test_untrusted_certificate(workdir, certs):
    with Server(certs=certs, mode="starttls") as server:
        lib = library(workdir, server.port, "starttls")  # no ca_file: the system CAs only
        result = run(lib)
        assert server.messages == []
    assert result.exit_code == 6
    line = one_line(result)
    assert line.startswith(f"the certificate of 127.0.0.1:{server.port} (starttls) is not trusted")
    assert "email.ca_file" in line


def test_untrusted_certificate_implicit_tls(workdir, certs):
    with Server(certs=certs, mode="ssl") as server:
        lib = library(workdir, server.port, "ssl")
        result = run(lib)
    assert result.exit_code == 6 and "is not trusted" in one_line(result)


def test_server_without_starttls(workdir):
    with Server() as server:
        lib = library(workdir, server.port, "starttls")
        result = run(lib)
        assert server.messages == []
    assert result.exit_code == 6
    assert one_line(result).endswith("does not offer STARTTLS; nothing was sent")


def test_tls_against_a_plain_server(workdir):
    with Server() as server:
        lib = library(workdir, server.port, "ssl")
        result = run(lib)
    assert result.exit_code == 6 and one_line(result).startswith("TLS with 127.0.0.1:")


def test_wrong_password(workdir, certs, monkeypatch):
    monkeypatch.setenv(mail.USER_ENV, USER)
    monkeypatch.setenv(mail.PASSWORD_ENV, "not-the-password")
    with Server(certs=certs, mode="starttls", auth=True) as server:
        lib = library(workdir, server.port, "starttls", ca_file=str(certs.ca_file))
        result = run(lib, "--patient-name", "Ana López")
        assert server.messages == []
    assert result.exit_code == 7
    line = one_line(result)
    assert "refused the login" in line and "535" in line
    for secret in (USER, "not-the-password", PATIENT, "López"):
        assert secret not in result.output
    assert files_containing(workdir, PATIENT) == []


def test_login_required_but_not_given(workdir, certs):
    with Server(certs=certs, mode="starttls", auth=True) as server:
        lib = library(workdir, server.port, "starttls", ca_file=str(certs.ca_file))
        result = run(lib)
    assert result.exit_code == 7
    assert "requires a login: set PDFGEN_SMTP_USER" in one_line(result)


def test_login_over_a_server_without_auth(workdir, monkeypatch):
    monkeypatch.setenv(mail.USER_ENV, USER)
    monkeypatch.setenv(mail.PASSWORD_ENV, PASSWORD)
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib)
        assert server.messages == []
    assert result.exit_code == 7 and "does not offer login (AUTH)" in result.stderr


def test_recipient_refused(workdir):
    with Server(Recorder(refuse={PATIENT})) as server:
        lib = library(workdir, server.port)
        result = run(lib, "--patient-name", "Ana López")
        assert server.messages == []
    assert result.exit_code == 8
    line = one_line(result)
    assert line.startswith(f"the server refused the recipient {PATIENT}: 550 5.1.1")
    assert line.endswith("the message was not sent")
    assert "López" not in result.output and "sent hemilaminectomy" not in result.output
    assert files_containing(workdir, PATIENT) == []


@pytest.mark.parametrize("reply,code,text", [
    ("552 5.3.4 Message size exceeds fixed limit", 9, "is larger than the server accepts"),
    ("421 4.3.2 Service shutting down", 10, "the server is closing the connection"),
])
def test_other_replies_at_rcpt_are_named_for_what_they_are(workdir, reply, code, text):
    with Server(Recorder(rcpt_reply=reply)) as server:
        lib = library(workdir, server.port)
        result = run(lib)
        assert server.messages == []
    assert result.exit_code == code, result.output
    assert text in one_line(result) and "refused the recipient" not in result.output


def test_connection_lost_before_the_server_confirms(workdir):
    """Exit 10: the message may or may not have arrived, so it is never called sent."""
    with Server(Recorder(drop_at_data=True)) as server:
        lib = library(workdir, server.port)
        result = run(lib)
    assert result.exit_code == 10, result.output
    assert "treat it as not sent" in one_line(result)
    assert "sent hemilaminectomy" not in result.output


class SilentAtLogin:
    """A server that greets, offers AUTH, then never answers the login (a hung server)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.auth_seen = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 silent.example ESMTP\r\n")
            for line in lines:
                if line.upper().startswith((b"EHLO", b"HELO")):
                    conn.sendall(b"250-silent.example\r\n250 AUTH PLAIN LOGIN\r\n")
                elif line.upper().startswith(b"AUTH"):
                    self.auth_seen.set()  # and say nothing, ever
                else:
                    conn.sendall(b"250 OK\r\n")

    def close(self):
        self.sock.close()


def test_a_server_that_never_answers_the_login_is_a_timeout(workdir, monkeypatch):
    """Not "login refused" (7) with an empty reason: nothing was refused, nothing answered."""
    monkeypatch.setenv(mail.USER_ENV, USER)
    monkeypatch.setenv(mail.PASSWORD_ENV, PASSWORD)
    server = SilentAtLogin()
    try:
        lib = library(workdir, server.port, timeout=1)
        result = run(lib)
    finally:
        server.close()
    assert server.auth_seen.is_set()
    assert result.exit_code == 10, result.output
    line = one_line(result)
    assert "did not answer the login within 1 s (email.timeout); nothing was sent" in line
    assert "refused" not in line


def test_message_too_large(workdir):
    with Server(data_size_limit=10_000) as server:
        lib = library(workdir, server.port)
        result = run(lib)
        assert server.messages == []
    assert result.exit_code == 9
    assert "is larger than the server accepts: 552" in result.stderr
    assert "sent hemilaminectomy" not in result.output


def test_email_not_set_up(library, workdir):
    result = CliRunner().invoke(cli, ["email", HID, "--library", str(library), "--to", PATIENT])
    assert result.exit_code == 4
    assert "has no email: section; see docs/email.md" in one_line(result)


@pytest.mark.parametrize("env", [{mail.USER_ENV: USER}, {mail.PASSWORD_ENV: PASSWORD}])
def test_half_the_credentials(workdir, monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib)
        assert server.recorder.sessions == 0
    assert result.exit_code == 4
    assert "set both, or neither" in one_line(result)
    assert USER not in result.output and PASSWORD not in result.output


# ---------------------------------------------------------------------------
# bad input refused before connecting: header injection, invalid addresses


BAD_ADDRESSES = [
    "ana@example.com\r\nBcc: everyone@example.org",
    "ana@example.com\nSubject: hi",
    "ana@example.com\r",
    "Ana <ana@example.com>",
    "ana@example.com, eve@example.org",
    "ana example@example.com",
    "ana@example",
    "ana@@example.com",
    "ana.@example.com",
    "@example.com",
    "ana@-example.com",
    "anä@example.com",
    "",
]


@pytest.mark.parametrize("bad", BAD_ADDRESSES)
def test_bad_address_is_refused_before_connecting(workdir, bad):
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib, to=bad)
        assert server.recorder.sessions == 0 and server.messages == []
    assert result.exit_code == 3
    line = one_line(result)  # a CR/LF in the address never breaks the message line
    assert line.startswith("invalid email address '")


@pytest.mark.parametrize("to", [f"{PATIENT}\u2028Bcc: x@example.org", f"{PATIENT}\x85"])
def test_unicode_line_separators_in_the_address_are_refused(workdir, to):
    result = CliRunner().invoke(cli, ["email", HID, "--to", to, "--dry-run"])
    assert result.exit_code == 3 and "invalid email address" in result.output


def test_a_title_with_a_line_break_becomes_one_subject_line(workdir):
    with Server() as server:
        lib = library(workdir, server.port)
        text = (lib / "hemilaminectomy.yaml").read_text(encoding="utf-8")
        (lib / "hemilaminectomy.yaml").write_text(text.replace(
            "  en: Hemilaminectomy\n", '  en: "Hemilaminectomy\\nBcc: eve@example.org"\n', 1),
            encoding="utf-8")
        result = run(lib)
        assert result.exit_code == 0, result.output
        msg = parse(server.messages[0].data)
    assert msg["Subject"].startswith("Hemilaminectomy Bcc: eve@example.org")
    assert msg["Bcc"] is None


def test_a_clinic_name_with_a_line_break_is_a_content_error(workdir):
    lib = library(workdir, 25)
    text = (lib / "clinic.yaml").read_text(encoding="utf-8")
    (lib / "clinic.yaml").write_text(text.replace(
        "name: Example Orthopedic & Spine Clinic", 'name: "Clinic\\nBcc: eve@example.org"', 1),
        encoding="utf-8")
    result = run(lib)
    assert result.exit_code == 1 and "the clinic name must be one line" in result.output


def test_a_patient_name_with_no_break_spaces_is_accepted():
    assert mail.check_patient_name("Ana\u00a0López\u202fRuiz") == "Ana López Ruiz"


def test_patient_name_with_a_line_break_is_refused(workdir):
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib, "--patient-name", "Ana\r\nBcc: eve@example.org")
        assert server.recorder.sessions == 0
    assert result.exit_code == 3 and "one line" in one_line(result)


@pytest.mark.parametrize("bad", BAD_ADDRESSES[:3])
def test_api_refuses_header_injection(bad):
    loaded = require(load_library(SAMPLE))
    clinic = _with_settings(loaded.clinic)
    with pytest.raises(mail.AddressError):
        mail.compose_message(loaded.procedure(HID), clinic, b"%PDF", bad, "en")


@pytest.mark.parametrize("header, value", [("To", "ana@example.com, eve@example.org"),
                                           ("Bcc", "eve@example.org"),
                                           ("Cc", "eve@example.org")])
def test_api_sends_to_exactly_one_recipient(header, value):
    loaded = require(load_library(SAMPLE))
    clinic = _with_settings(loaded.clinic)  # a closed port: reaching it would be exit 5
    msg = mail.compose_message(loaded.procedure(HID), clinic, b"%PDF", PATIENT, "en")
    del msg[header]
    msg[header] = value
    with pytest.raises(mail.AddressError, match="exactly one recipient"):
        mail.send_message(msg, clinic.email)


def _with_settings(clinic):
    import dataclasses

    return dataclasses.replace(clinic, email=MailSettings(
        HOST, free_port(), "none", "handouts@clinic.example.org", allow_plain=True))


@pytest.mark.parametrize("addr", ["ana@example.com", "ana.lopez+spine@mail.example.co.uk",
                                  "o'brien@example.org", "a_b-c@sub-domain.example.mx"])
def test_good_addresses(addr):
    assert mail.address_problem(addr) is None


# ---------------------------------------------------------------------------
# --eml and --dry-run: nothing sent


def test_eml_writes_the_message_atomically(workdir):
    out = workdir / "work" / "review" / "ana.eml"
    out.parent.mkdir()
    out.write_bytes(b"old")
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib, "--lang", "es", "--eml", str(out))
        assert server.recorder.sessions == 0
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} (") and "nothing was sent" in result.output
    assert [p.name for p in out.parent.iterdir()] == ["ana.eml"]  # no temp file left
    msg = parse(out.read_bytes())
    assert [a.addr_spec for a in msg["To"].addresses] == [PATIENT]
    assert list(msg.iter_attachments())[0].get_content() == rendered(lib, "es")
    assert b"\r\n" in out.read_bytes()
    assert out.stat().st_mode & 0o777 == 0o600  # it holds the patient's address and name


def test_eml_into_a_missing_folder_is_an_error(workdir):
    blocker = workdir / "work" / "file"
    blocker.write_text("x")
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib, "--eml", str(blocker / "ana.eml"))
    assert result.exit_code == 1 and one_line(result).startswith("cannot write ")


def test_dry_run_shows_and_sends_nothing(workdir, monkeypatch):
    monkeypatch.setenv(mail.USER_ENV, USER)
    monkeypatch.setenv(mail.PASSWORD_ENV, PASSWORD)
    with Server() as server:
        lib = library(workdir, server.port)
        result = run(lib, "--lang", "es", "--patient-name", "Ana", "--dry-run")
        assert server.recorder.sessions == 0
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"would send via 127.0.0.1:{server.port} (none), login: yes" in out
    assert f"To: {PATIENT}" in out
    assert "Subject: Hemilaminectomía: información de" in out
    assert "Attachment: Hemilaminectomía.pdf (application/pdf," in out
    assert "Hola, Ana:" in out and "nothing was sent" in out
    assert USER not in out and PASSWORD not in out
    assert list((workdir / "work").iterdir()) == []


def test_dry_run_and_eml_together_is_a_usage_error(workdir):
    lib = library(workdir, free_port())
    result = run(lib, "--dry-run", "--eml", "x.eml")
    assert result.exit_code == 2


# ---------------------------------------------------------------------------
# privacy: the address and name go into the message and nowhere else


def test_nothing_left_behind_after_send_and_failure(workdir, certs, monkeypatch):
    with Server() as server:
        lib = library(workdir, server.port)
        assert run(lib, "--patient-name", "Ana López").exit_code == 0
    lib = library(workdir, free_port())
    failed = run(lib, "--patient-name", "Ana López")
    assert failed.exit_code == 5
    assert PATIENT not in failed.output and "López" not in failed.output
    for needle in (PATIENT, "López"):
        assert files_containing(workdir, needle) == []
    assert list((workdir / "tmp").iterdir()) == []
    assert list((workdir / "work").iterdir()) == []


def test_errors_do_not_carry_the_patients_details():
    loaded = require(load_library(SAMPLE))
    clinic = _with_settings(loaded.clinic)
    with pytest.raises(mail.ServerUnreachable) as info:
        mail.send_handout(loaded.procedure(HID), clinic, load_layout("single"), PATIENT, "en",
                          "Ana López")
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert PATIENT not in str(info.value) and "López" not in str(info.value)


def test_credentials_are_never_in_repr():
    creds = mail.credentials_from_env({mail.USER_ENV: USER, mail.PASSWORD_ENV: PASSWORD})
    assert USER not in repr(creds) and PASSWORD not in repr(creds)
    assert mail.credentials_from_env({}) is None


# ---------------------------------------------------------------------------
# the email: section of clinic.yaml


def test_email_section_loads_with_defaults(tmp_path, certs):
    (tmp_path / "certs").mkdir()
    shutil.copy(certs.ca_file, tmp_path / "certs" / "ca.pem")
    clinic_file = tmp_path / "clinic.yaml"
    clinic_file.write_text((SAMPLE / "clinic.yaml").read_text(encoding="utf-8") +
                           "\nemail:\n  host: smtp.example.org\n  from: a@example.org\n"
                           "  ca_file: certs/ca.pem\n", encoding="utf-8")
    clinic, findings = load_clinic(clinic_file)
    assert findings == []
    assert clinic.email == MailSettings("smtp.example.org", 587, "starttls", "a@example.org",
                                        ca_file=str((tmp_path / "certs" / "ca.pem").resolve()))
    assert mail.security_warnings(clinic.email) == []
    ssl_default = clinic_file.read_text(encoding="utf-8") + "  security: ssl\n"
    clinic_file.write_text(ssl_default, encoding="utf-8")
    assert load_clinic(clinic_file)[0].email.port == 465


def test_attachment_names():
    assert mail.attachment_name("Hemilaminectomía") == "Hemilaminectomía.pdf"
    assert mail.attachment_name("**Knee**/hip: a \"b\"\r\nc") == "Knee hip a b c.pdf"
    assert mail.attachment_name("...") == "handout.pdf"


def test_ca_file_and_unverified_contradict(tmp_path, certs):
    shutil.copy(certs.ca_file, tmp_path / "ca.pem")
    clinic_file = tmp_path / "clinic.yaml"
    text = (SAMPLE / "clinic.yaml").read_text(encoding="utf-8")
    clinic_file.write_text(text + "\nemail:\n  host: smtp.example.org\n  from: a@example.org\n"
                           "  ca_file: ca.pem\n  allow_unverified: true\n", encoding="utf-8")
    clinic, findings = load_clinic(clinic_file, display="clinic.yaml")
    assert clinic is None
    assert [str(f) for f in findings] == [
        f"clinic.yaml:{text.count(chr(10)) + 6}:21: email.allow_unverified: ca_file and "
        "allow_unverified contradict each other: keep one"]
