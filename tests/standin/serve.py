"""What the stand-in servers of tests/standin/ share: a threaded HTTP/1.1
server bound to 127.0.0.1 only, the command line (--port, --pidfile), the
pid file, a quiet end on SIGTERM, and a request handler base that answers
with a Content-Length (so libcurl can keep connections alive) and never
prints a traceback for a client that hung up.

Not run by itself: places.py and sites.py import it (Python puts a script's
own folder first on sys.path). Standard library only.
"""

import argparse
import os
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIND = "127.0.0.1"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """A client that closes early (a crawler's size cap or timeout, a
        test that gives up) is expected; anything else is a bug worth a
        traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Base of the stand-ins' handlers. Subclasses log with log_line()."""

    protocol_version = "HTTP/1.1"

    def reply(self, status, ctype, body, headers=()):
        """Writes a whole answer: status (int), ctype (Content-Type or None),
        body (bytes), headers (pairs) before it. HEAD gets no body."""
        self.send_response(status)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.log_reply(status, len(body))

    def log_reply(self, status, size):
        """Called after each reply(): a stand-in that logs answers says how."""

    def read_body(self, limit=1 << 20):
        """The request body (bytes), at most limit bytes; None when it is
        larger or its length is not given as a number."""
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        if n < 0 or n > limit:
            return None
        return self.rfile.read(n)

    def log_line(self, line):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def log_request(self, code="-", size="-"):
        """Replaced by each stand-in's own one line per request."""

    def log_message(self, fmt, *args):
        """http.server's own complaints (a malformed request line): one
        line, marked with '#' so that parsers of the request log skip it,
        with any key=... of a quoted request line blanked."""
        text = re.sub(r"(?i)(key=)[^&\s'\"]*", r"\1REDACTED", fmt % args)
        self.log_line("# %s: %s" % (self.address_string(),
                                   text.replace("\n", " ")))


def main(description, handler, add_args=None, configure=None):
    """Parses --port N and --pidfile F (plus what add_args(parser) adds),
    lets configure(args) set up the handler class, then serves on
    127.0.0.1:N (N = 0 picks a free port, named in the first stderr line)
    until SIGTERM or SIGINT. The pid file holds the server's pid while it
    serves and is removed when it stops."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True,
                        help="TCP port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--pidfile", help="file to write the pid to")
    if add_args is not None:
        add_args(parser)
    args = parser.parse_args()
    if configure is not None:
        configure(args)
    server = Server((BIND, args.port), handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    sys.stderr.write("# %s listening on %s:%d\n" % (
        os.path.basename(sys.argv[0]), BIND, server.server_port))
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except FileNotFoundError:
                pass
