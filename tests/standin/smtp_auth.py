#!/usr/bin/python3
"""The prospecting user's own mail server, for Prospea's tests and dev stack:
Debian's aiosmtpd on 127.0.0.1 configured as a real submission service,
the server a user's sending account points at.

Run:  tests/standin/smtp_auth.py --port 2587 --tls-port 2466 \
        --cert var/tls/smtp.crt --key var/tls/smtp.key \
        --user demo@prospea.test --password-file var/mailbox.pw \
        --outbox var/mail/outbox

Two listeners, one account:
- --port: submission with STARTTLS (RFC 6409, RFC 3207). Before STARTTLS
  every command but EHLO, HELO, NOOP, RSET, QUIT and STARTTLS is answered
  "530 Must issue a STARTTLS command first" (RFC 3207 section 4), so AUTH
  is refused before TLS and EHLO advertises no AUTH until then.
- --tls-port: submission over implicit TLS (RFC 8314 section 3.3); a client
  that speaks plaintext there gets no greeting.
On both, AUTH PLAIN and AUTH LOGIN (RFC 4954) are the only mechanisms and
are required: MAIL before AUTH is "530 5.7.0 Authentication required"; a
wrong login or password "535 5.7.8 Authentication credentials invalid".

Test hooks, by the recipient's local part (RCPT TO), for the sender's
tests of refusals: one containing "rcpt550" is refused "550 5.1.1 <addr>:
Recipient address rejected: User unknown" (a mailbox that does not
exist, RFC 3463 5.1.1), "rcpt554" "554 5.7.1 <addr>: Relay access denied"
(refused for good, not for the address), "rcpt451" "451 4.3.0 <addr>:
Temporary lookup failure" (try again later). Any other recipient is
accepted; for one containing "slowdata" the message is stored, then the
answer to DATA waits 4 seconds (a client that dies meanwhile has sent a
message it never heard about).

Every accepted message becomes one file in OUTBOX/new/ (Maildir: written
in OUTBOX/tmp/, synced, then renamed, so a reader never sees half a
message): the bytes as received, after four header lines that say how it
came: Return-Path (the envelope sender), X-RcptTo (the envelope
recipients, comma-separated), X-Auth-User and X-Peer. One line per event
on stderr ("usmtp: 127.0.0.1:40000 stored 1700000000.M1P2Q3.host for
a@b.fr"); the password is never written. Ends on SIGTERM.
"""

import argparse
import asyncio
import hmac
import logging
import os
import signal
import socket
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

BIND = "127.0.0.1"
# The refusals a recipient's local part asks for (see the opening comment).
RCPT_HOOKS = (
    ("rcpt550", "550 5.1.1 <%s>: Recipient address rejected: User unknown"),
    ("rcpt554", "554 5.7.1 <%s>: Relay access denied"),
    ("rcpt451", "451 4.3.0 <%s>: Temporary lookup failure"),
)


def log_line(line):
    sys.stderr.write("usmtp: " + line + "\n")
    sys.stderr.flush()


class Outbox:
    """aiosmtpd handler: stores each message as a Maildir file."""

    def __init__(self, path):
        self.path = path
        self.count = 0
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)

    def store(self, head, content):
        """Writes head + content to tmp/, then renames it into new/; returns
        the file name (the Maildir unique name: time, microseconds, pid,
        counter, host)."""
        self.count += 1
        now = time.time()
        name = "%d.M%dP%dQ%d.%s" % (int(now), int(now * 1e6) % 1000000, os.getpid(),
                                    self.count, socket.gethostname().replace("/", "_"))
        tmp = os.path.join(self.path, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(head)
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.path, "new", name))
        return name

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rpartition("@")[0].lower()
        for marker, reply in RCPT_HOOKS:
            if marker in local:
                log_line("%s:%d RCPT %s" % (session.peer[0], session.peer[1], reply[:3]))
                return reply % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        user = session.auth_data.login.decode("utf-8", "replace")
        peer = "%s:%d" % session.peer[:2]
        head = ("Return-Path: <%s>\r\nX-RcptTo: %s\r\nX-Auth-User: %s\r\nX-Peer: %s\r\n" % (
            envelope.mail_from, ", ".join(envelope.rcpt_tos), user, peer)).encode()
        content = envelope.original_content or envelope.content
        name = self.store(head, content)
        log_line("%s stored %s for %s" % (peer, name, ", ".join(envelope.rcpt_tos)))
        if any("slowdata" in r.rpartition("@")[0].lower() for r in envelope.rcpt_tos):
            await asyncio.sleep(4)
        return "250 2.0.0 Ok: queued as %s" % name


class Account:
    """aiosmtpd authenticator: the one login and password this server knows."""

    def __init__(self, login, password):
        self.login = login.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and hmac.compare_digest(auth_data.login, self.login)
              and hmac.compare_digest(auth_data.password, self.password))
        if not ok:
            log_line("%s:%d AUTH %s refused" % (session.peer[0], session.peer[1], mechanism))
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True, help="STARTTLS submission port")
    p.add_argument("--tls-port", type=int, required=True, help="implicit TLS port")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--user", required=True, help="the login AUTH accepts")
    p.add_argument("--password-file", required=True,
                   help="file whose first line is the password AUTH accepts")
    p.add_argument("--outbox", required=True, help="Maildir where messages are stored")
    args = p.parse_args()
    with open(args.password_file) as f:
        password = f.readline().rstrip("\n")

    # aiosmtpd warns on every connection to the implicit-TLS port that AUTH
    # does not require STARTTLS there (the whole session is TLS), and logs
    # each session at INFO: this program writes its own lines instead.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    ctx = tls_context(args.cert, args.key)
    outbox = Outbox(args.outbox)
    account = Account(args.user, password)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    common = dict(hostname="localhost", auth_required=True, authenticator=account,
                  loop=loop)

    def starttls():
        return SMTP(outbox, tls_context=ctx, require_starttls=True, auth_require_tls=True,
                    **common)

    def implicit():
        return SMTP(outbox, auth_require_tls=False, **common)

    servers = [
        loop.run_until_complete(loop.create_server(starttls, BIND, args.port)),
        loop.run_until_complete(loop.create_server(implicit, BIND, args.tls_port, ssl=ctx)),
    ]
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    log_line("# listening on %s:%d (STARTTLS) and %s:%d (implicit TLS)" % (
        BIND, args.port, BIND, args.tls_port))
    try:
        loop.run_forever()
    finally:
        for s in servers:
            s.close()
        loop.close()


if __name__ == "__main__":
    main()
